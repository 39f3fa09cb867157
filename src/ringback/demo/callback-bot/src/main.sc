state: Start
    q!: $regex</start>
    a: Hello! This is ringback calling about your order. Is now a good time to talk?

state: Yes
    q!: * (yes/sure/ok/okay/good) *
    a: Great, thank you! Your order will arrive tomorrow. Goodbye!
    script:
        $dialer.setCallResult("informed");
        $dialer.hangUp();

state: CallbackInAnHour
    q!: * call [me] [back] * (an/one) hour *
    a: Okay! I'll call you back in an hour.
    script:
        var now = new Date();
        $dialer.redial({
            startDateTime: new Date(now.getTime() + 60 * 60000), // Another call in an hour
            finishDateTime: new Date(now.getTime() + 75 * 60000), // Throughout 15 minutes
            maxAttempts: 2, // 2 call attempts in total
            retryIntervalInMinutes: 5 // 5-minute pause between attempts
        });

state: NoMatch
    event!: noMatch
    a: Sorry, I did not get that. Shall I call you back in an hour?

state: Silence
    event!: speechNotRecognized
    a: Hello? Are you there?
