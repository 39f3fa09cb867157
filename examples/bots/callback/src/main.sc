require: patterns.sc
    module = sys.zb-common

theme: /

    state: Start
        q!: $regex</start>
        a: Hello! This is a reminder call. Should I call you back later?

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

    state: Bye
        q!: * (bye/goodbye) *
        a: Goodbye!
        script:
            $dialer.hangUp();

    state: NoMatch
        event!: noMatch
        a: Sorry, I did not get that. Say "call me back in an hour", or "bye".
