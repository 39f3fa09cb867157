theme: /SmallTalk

    state: Weather
        q!: * weather *
        a: I only know about coffee, sorry.

    state: Thanks || noContext = true
        q!: * (thanks/thank you) *
        a: You are welcome.
