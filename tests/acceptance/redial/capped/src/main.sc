# Asks for 10 redial attempts; SPEC 3 caps a redial series at 5.
theme: /

    state: Start
        q!: $regex</start>
        a: Hello! I'll try you again later.
        script:
            $dialer.redial({
                startDateTime: new Date(Date.now() + 30 * 60000),
                maxAttempts: 10,
                retryIntervalInMinutes: 10
            });
