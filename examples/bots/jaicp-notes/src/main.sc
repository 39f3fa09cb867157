require: slotfilling/slotFilling.sc
  module = sys.zb-common
require: common.js
  module = sys.zb-common

patterns:
    $agree = ($yes|согласен) || converter = function(pt) { return "agreed"; }
    $city = (москва|питер|казань)

init:
    bind("preMatch", function($context) {
        if ($context.request.query === "алло алло") $context.request.query = "привет";
    });
    bind("preProcess", function($context) { $session.requests = ($session.requests || 0) + 1; });
    bind("postProcess", function($context) { $session.last = $context.currentState; });
    bind("onScriptError", function($context) { $reactions.answer("Ошибка в скрипте."); });
    bind("onAnyError", function($context) { $session.failed = true; });
    bind("selectNLUResult", function($context) {});

theme: /

    state: Start
        q!: $regex</start>
        q!: *start
        script:
            $dialer.setNoInputTimeout(7000);
            $session.caller = $dialer.getCaller();
        a: Здравствуйте! Это звонок от компании Ромашка. || htmlEnabled = false
        go: /Offer

    state: Offer
        a: Хотите узнать о скидке? || tts = "Хотите узнать о скидке?", bargeInIf = beforeHangup
        buttons:
            "Да" -> /Offer/Agree
            "Нет" -> /Offer/Refuse
        inlineButtons:
            {text: "Сайт", url: "https://example.com"}

        state: Agree
            q: * $agree *
            intent: /Согласие
            e: да, расскажите
            script:
                $dialer.setCallResultAccepted({how: $parseTree._agree});
                $dialer.reportData("Согласие", "да", 1);
            a: Отлично! Скидка 10 процентов.
            image: https://example.com/sale.png
            audio: https://example.com/sale.wav

        state: Refuse
            q: * $no *
            intentGroup: /Отказ
            script:
                $dialer.setCallResultRejected();
            a: Понятно, всего доброго.
            script:
                $dialer.hangUp();

    state: Hello || noContext = true
        q!: * $hello *
        a: И вам здравствуйте!

    state: Number
        q!: * $regexp_i<номер\s+заказа> * $Number *
        a: Заказ {{ $parseTree._Number }} найден.

    state: Phone
        q!: * $mobilePhoneNumber *
        a: Записал номер.

    state: Date
        q!: * перезвон* * $DateTime *
        a: Хорошо, перезвоним.

    state: City
        q!: * $weight<+0.5> * $city *
        a: Город: {{ $parseTree._city }}.

    state: Name
        q!: * меня зовут $AnyWord::name *
        a: Приятно познакомиться.

    state: Feedback
        q!: отзыв $Text
        a: Спасибо за отзыв.

    state: Rude
        q!: * $obsceneWord *
        a: Давайте без грубостей.

    state: Operator
        q!: * $switchToOperator *
        intent!: /Оператор
        intentGroup!: /Операторы
        eg!: Оператор.Соединить
        script:
            $dialer.addCallTag("operator");
            var transfer = $dialer.getTransferStatus();
            var tts = $dialer.getTtsConfig();
            $dialer.setTtsConfig(tts);
            $dialer.bargeInResponse({bargeIn: "forced"});
            $dialer.bargeInInterrupt(true);
            $temp.status = $dialer.getBargeInIntentStatus();
            $temp.interrupted = $dialer.isBargeInInterrupted();
            $temp.url = $dialer.getCallRecordingFullUrl() + $dialer.getCallRecordingPath();
            $temp.sip = $dialer.getSipHeaders();
            $temp.payload = $dialer.getPayload();
        a: Оператор сейчас недоступен.
        TransferToOperator:
            phoneNumber = 79990000000

    state: Callback
        q!: * перезвоните * (через час/позже) *
        script:
            var now = new Date();
            $dialer.redial({
                startDateTime: new Date(now.getTime() + 60 * 60000),
                finishDateTime: new Date(now.getTime() + 75 * 60000),
                maxAttempts: 2,
                retryIntervalInMinutes: 5,
                allowedTime: {default: [{localTimeFrom: "09:00", localTimeTo: "21:00"}]},
                dialerPriority: 4
            });
        random:
            a: Хорошо, перезвоним через час.
            a: Договорились, наберём через час.

    state: Check
        q!: проверка
        if: $session.requests > 100
            a: Много запросов.
        elseif: $session.caller
            a: Звонок на {{ $session.caller }}.
        else:
            a: Нет номера.

    state: Es6
        q!: es6
        scriptEs6:
            const parts = ["раз", "два"];
            $reactions.answer(parts.map((p) => p.toUpperCase()).join(" "));

    state: Wait
        q!: подождите
        a: Жду.
        timeout: /Wait/Again || interval = 5

        state: Again
            a: Вы ещё здесь?

    state: Jump
        q!: прыжок
        script:
            $reactions.transition({value: "/Check"});

    state: Crash
        q!: сломайся
        script:
            throw new Error("нарочно");

    state: Blocks
        q!: блоки
        HttpRequest:
            url = https://example.com
        InputNumber:
            prompt = Введите число
        Sms:
            text = Привет
        a: Блоки визуального редактора не запускаются.

    state: From
        q: откуда || fromState = /Offer, toState = /Offer/Agree, onlyThisState = true, converter = x
        a: never

    state: Silence
        event!: speechNotRecognized
        a: Вас не слышно.

    state: CallNotConnected
        event!: onCallNotConnected
        script:
            $session.reason = $dialer.getCallNotConnectedReason();

    state: Hangup
        event!: hangup
        script:
            $dialer.setCallResult("hangup");

    state: BotHangup
        event!: botHangup
        script:
            $session.botHungUp = true;

    state: Bye
        q!: * $bye *
        a: До свидания!
        script:
            $dialer.hangUp("Всего доброго!");

    state: NoMatch
        event!: noMatch
        event: noMatch
        a: Не поняла вас.
