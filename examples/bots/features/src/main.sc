require: patterns.sc
    module = sys.zb-common
require: lib/util.js
require: lib/smalltalk.sc

patterns:
    $size = (small|medium|large)
    $coffee = (coffee|coffees|latte|cappuccino)

init:
    bind("preProcess", function($context) {
        $context.session.turns = ($context.session.turns || 0) + 1;
    });
    bind("postProcess", function($context) {
        $context.session.lastState = $context.currentState;
    });
    bind("onScriptError", function($context) {
        $reactions.answer("Something went wrong, let us start over.");
    });

theme: /

    state: Start
        q!: $regex</start>
        script:
            $session.order = {count: 0, size: null};
            $temp.caller = $dialer.getCaller();
        if: $client.name
            a: Welcome back, {{ $client.name }}! This is {{ $injector.shopName }}.
        else:
            a: Hello! This is {{ $injector.shopName }}.
        a: Would you like to order coffee?
        buttons:
            "Yes" -> /Order
            "No" -> /Bye

        state: Yes
            q: * (yes/yeah/sure) *
            go!: /Order

        state: No
            q: * (no/nope) *
            go!: /Bye

    state: Order
        a: How many cups, and what size: small, medium or large?

        state: Amount
            q: * $Number [cups] [of] [$size] *
            script:
                $session.order.count = $parseTree._Number;
                if ($parseTree._size) {
                    $session.order.size = $parseTree._size;
                }
            if: $session.order.size
                go!: ../Confirm
            else:
                a: Which size?

            state: Size
                q: * $size *
                script:
                    $session.order.size = $parseTree._size;
                go!: /Order/Confirm

        state: Confirm
            script:
                $session.total = priceOf($session.order.size) * $session.order.count;
            a: {{ orderSummary($session.order) }}, {{ $session.total }} dollars. Confirm?

            state: Accept
                q: * (yes/correct/confirm) *
                script:
                    $dialer.setCallResult("ordered", {total: $session.total});
                    $dialer.reportData("order", orderSummary($session.order));
                    $dialer.addCallTag("coffee");
                a: Done! See you soon.
                script:
                    $dialer.hangUp("Goodbye!");

            state: Reject
                q: * (no/wrong) *
                a: Let us start over.
                go!: /Order

    state: Name
        q!: * my name is $AnyWord::name *
        script:
            $client.name = $parseTree._name;
        a: Nice to meet you, {{ $client.name }}.
        Greet:
            who = {{ $client.name }}

    state: Menu || modal = true
        q!: * menu *
        a: Menu: small 2, medium 3, large 4 dollars. Say "back" to continue.

        state: Back
            q: * back *
            a: Back to ordering.
            go: /Order

        state: Stuck
            event: noMatch
            a: You are in the menu. Say "back".

    state: Joke
        q!: * joke *
        random:
            a: Why did the coffee file a police report? It got mugged.
            a: Decaf? No, thank you.

    state: Hours
        q!: * (open/hours) *
        script:
            var hour = new Date().getUTCHours();
            $temp.open = hour >= 8 && hour < 20;
        if: $temp.open
            a: We are open now.
        elseif: new Date().getUTCHours() < 8
            a: We open at 8.
        else:
            a: We are closed for today.

    state: Price
        q!: * {how much} *
        e!: what does it cost
        scriptEs6:
            const sizes = ["small", "medium", "large"];
            const prices = sizes.map((s) => `${s} ${priceOf(s)}`);
            $reactions.answer(`Prices: ${prices.join(", ")}.`);

    state: Rate
        q!: * rate *
        script:
            var response = $http.get("https://api.example.com/rate/${currency}", {
                query: {currency: "EUR"}
            });
            $temp.rate = response.isOk ? response.data.rate : "unknown";
        a: One dollar is {{ $temp.rate }} euro.

    state: Broken
        q!: * broken *
        script:
            undefinedFunction();
        a: never said

    state: Jump
        q!: * jump *
        script:
            $reactions.transition("/Hours");

    state: Hold
        q!: * hold on *
        a: Sure, I will wait.
        timeout: /Hold/Waited || interval = 10

        state: Waited
            a: Are you still there?

    state: Silence
        event!: speechNotRecognized
        a: I cannot hear you.

    state: Hangup
        event!: hangup
        script:
            $dialer.setCallResult("callee hung up");

    state: BotHangup
        event!: botHangup
        script:
            $session.closed = true;

    state: Reserve
        q!: * (reserve/book) *
        slot: people || entity = $Number, required = true, prompt = "For how many people?"
        a: A table for {{ $parseTree._people }} is booked.

    state: Bye
        q!: * (bye/goodbye) *
        a: Goodbye!
        script:
            $dialer.hangUp();

    state: CatchAll
        event!: noMatch
        a: Sorry, I did not get that.
