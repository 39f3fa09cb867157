require: patterns.sc
    module = sys.zb-common
require: callback.js

theme: /

    state: Start
        q!: $regex</start>
        a: Hello! This is a reminder call. When should I call you back?

    # "in 20 minutes", "tomorrow at 3 pm", "next Monday morning", "tomorrow after lunch"…:
    # the time is resolved in the callee's zone, at the call's current time.
    state: When
        q!: * @duckling.time *
        script:
            $temp.plan = scheduleCallback($parseTree["_duckling.time"], new Date());
        if: !$temp.plan
            a: That time has already passed. When should I call you back?
        elseif: $temp.plan.at && $temp.plan.until
            a: Okay! I'll call you back on {{ $temp.plan.day }} between {{ $temp.plan.at }} and {{ $temp.plan.until }}. Goodbye!
        elseif: $temp.plan.at
            a: Okay! I'll call you back on {{ $temp.plan.day }} at {{ $temp.plan.at }}. Goodbye!
        else:
            a: Okay! I'll call you back on {{ $temp.plan.day }} before {{ $temp.plan.until }}. Goodbye!
        if: $temp.plan
            script:
                $dialer.hangUp();

    # "call me later": the time is a required slot filled from @duckling.time, asked for
    # until the callee names one.
    state: Later
        q!: * call [me] [back] later *
        slot: when || entity = @duckling.time, required = true, prompt = "What time suits you? | Sorry, at what time should I call?"
        script:
            $temp.plan = scheduleCallback($parseTree._when, new Date());
        if: $temp.plan
            a: Okay! I'll call you back on {{ $temp.plan.day }}. Goodbye!
            script:
                $dialer.hangUp();
        else:
            a: That time has already passed. When should I call you back?

    state: Bye
        q!: * (bye/goodbye/[please] (do not/don't) call *) *
        a: Goodbye!
        script:
            $dialer.hangUp();

    state: NoMatch
        event!: noMatch
        a: Sorry, I did not get the time. Say, for example, "in 20 minutes" or "tomorrow at 3 pm".
