# Three redials in one conversation: an invalid one (caught), then two valid ones in two
# turns. Only the first valid one may create a series (SPEC 3: one per conversation).
theme: /

    state: Start
        q!: $regex</start>
        a: Hello!
        script:
            try {
                $dialer.redial({maxAttempts: 2}); // neither startDateTime nor allowedTime
            } catch (e) {
                $reactions.answer("refused: " + e.message);
            }

    state: InAnHour
        q!: * in an hour *
        a: I'll call you back in an hour.
        script:
            $dialer.redial({
                startDateTime: new Date(Date.now() + 60 * 60000),
                maxAttempts: 2,
                retryIntervalInMinutes: 5
            });

    state: InThreeHours
        q!: * in three hours *
        a: Three hours then.
        script:
            $dialer.redial({
                startDateTime: new Date(Date.now() + 180 * 60000),
                maxAttempts: 4,
                retryIntervalInMinutes: 20
            });
