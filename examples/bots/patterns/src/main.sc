require: patterns.sc
    module = sys.zb-common

patterns:
    $drink = (tea|coffee)
    $greeting = (hello/hi)

theme: /

    state: Start
        q!: $regex</start>
        a: Patterns demo. Caller {{ $request.rawRequest.caller }}, channel {{ $request.channelType }}.

    state: Word
        q!: exactly this
        a: bare words

    state: Star
        q!: * anything * goes *
        a: stars

    state: Affix
        q!: * (book*|*ship) *
        a: affixes

    state: Alternatives
        q!: * (red|green/blue) (car|(big|small) bike) *
        a: alternatives

    state: Optional
        q!: * [very] [really] quiet *
        a: optional words

    state: AnyOrder
        q!: {salt pepper}
        a: any order

    state: Lemma
        q!: * ~mouse *
        a: lemma {{ $parseTree.text }}

    state: Named
        q!: * $greeting * $drink::what *
        a: named {{ $parseTree._what }}

    state: Regexp
        q!: * $regexp<\d{3}-\d{4}> *
        a: regexp

    state: RegexpI
        q!: * $regexp_i<ORDER\s*#\d+> *
        a: case-insensitive regexp

    state: Number
        q!: * $Number::n apples *
        script:
            $temp.double = $parseTree._n * 2;
        a: {{ $temp.double }} is twice as many

    state: Weighted
        q!: * $weight<+0.5> weather *
        a: weighted

    state: Entity
        q!: * call [me] * @duckling.time::when *
        script:
            $temp.when = $parseTree._when;
        a: entity {{ typeof $temp.when }}

    state: Objects
        q!: objects
        script:
            $temp.path = $jsapi.context().currentState;
            $reactions.answer("first");
            $temp.replies = $response.replies.length;
        a: {{ $temp.path }} {{ $temp.replies }} {{ $context.contextPath }}

    state: NoMatch
        event!: noMatch
        a: no match
