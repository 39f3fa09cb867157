# SPEC 3's seed state verbatim, plus a greeting for /start.
theme: /

    state: Start
        q!: $regex</start>
        a: Hello! Should I call you back later?

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
