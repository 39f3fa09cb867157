# Every answered call asks for a new series of 2 attempts, from the first call and from every
# redial call: only the campaign-wide limit (SPEC 3) stops it.
theme: /

    state: Start
        q!: $regex</start>
        a: Hello! I'll call you again in ten minutes.
        script:
            $dialer.redial({
                startDateTime: new Date(Date.now() + 10 * 60000),
                maxAttempts: 2,
                retryIntervalInMinutes: 5
            });
