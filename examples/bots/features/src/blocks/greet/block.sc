theme: /Blocks
    state: Greet
        a: Nice to meet you, {{ $request.data.args.who }}!
