require: patterns.sc
    module = sys.zb-common
# The same plan as the English bot: only the words differ.
require: ../../src/callback.js

theme: /

    state: Start
        q!: $regex</start>
        a: Здравствуйте! Это звонок-напоминание. Когда вам перезвонить?

    # "через полчаса", "завтра в 15:00", "в понедельник утром", "завтра после обеда"…:
    # время понимается в поясе абонента, от текущего момента звонка.
    state: When
        q!: * @duckling.time *
        script:
            $temp.plan = scheduleCallback($parseTree["_duckling.time"], new Date());
        if: !$temp.plan
            a: Это время уже прошло. Когда вам перезвонить?
        elseif: $temp.plan.at && $temp.plan.until
            a: Хорошо! Перезвоню {{ $temp.plan.day }} с {{ $temp.plan.at }} до {{ $temp.plan.until }}. До свидания!
        elseif: $temp.plan.at
            a: Хорошо! Перезвоню {{ $temp.plan.day }} в {{ $temp.plan.at }}. До свидания!
        else:
            a: Хорошо! Перезвоню {{ $temp.plan.day }} до {{ $temp.plan.until }}. До свидания!
        if: $temp.plan
            script:
                $dialer.hangUp();

    state: Bye
        q!: * (до свидания/пока/не (звоните/надо) *) *
        a: До свидания!
        script:
            $dialer.hangUp();

    state: NoMatch
        event!: noMatch
        a: Извините, я не понял время. Скажите, например, «через полчаса» или «завтра в 15:00».
