# ringback's standard library of named patterns (answers to sys.zb-common's names), EN and RU.
# Loaded by PatternLibrary.standard(); a project may redefine any of these names.
# $Number, $AnyWord, $Text, $NonEmptyGarbage, $mobilePhoneNumber, $Email and $DateTime are
# written in Python (natives.py).

patterns:
    $yesWord = (да|ага|угу|ну да|конечно|разумеется|верно|правильно|точно|хорошо|ладно|давай*|согласен|согласна|можно|ок|окей|именно|yes|yeah|yep|yup|sure|of course|ok|okay|correct|right|exactly|absolutely|certainly|fine|i do|alright|all right)
    $yes = $yesWord [$yesWord] [$yesWord]
    $noWord = (нет|неа|не|не надо|не нужно|не хочу|не буду|не согласен|не согласна|ни в коем случае|никогда|отказываюсь|no|nope|nah|not|never|don t|no thanks|no thank you|not really|i don t)
    $no = $noWord [$noWord] [спасибо|thanks]
    $hello = (привет*|здравств*|здрасьте|добрый (день|вечер|утро)|доброе утро|доброго (дня|утра|вечера)|алло|ало|салют|hello|hi|hey|hiya|good (morning|afternoon|evening|day)|greetings)
    $bye = (пока|покеда|до свидания|до свиданья|всего (доброго|хорошего)|прощай*|до встречи|bye|bye bye|goodbye|good bye|see you|see ya|farewell|have a nice day)
    $thanks = (спасибо|благодар*|thank*|thx|cheers)
    $dontKnow = (не знаю|без понятия|затрудняюсь [ответить]|не уверен|не уверена|i don t know|don t know|not sure|no idea)
    $repeat = (повтори*|еще раз|не понял|не поняла|что что|repeat|say again|again|pardon|sorry what)
    $operator = (~оператор|~специалист|~менеджер|~консультант|живой человек|~человек|operator*|human|agent*|representative*|real person|someone real)
    $switchToOperator = ($operator|{(~позвать|~соединить|~переключить|~перевести|~дать|~связать|~хотеть|~нужный|~можно|~поговорить|~пригласить) * $operator}|{(talk|speak|connect|transfer|put|want|need|get|give) * $operator})
    $obsceneWord = (бля*|хуй*|*хуе*|*хуя*|пизд*|*пизд*|ебан*|ебат*|заеб*|уеб*|выеб*|мудак*|мудил*|говн*|сука|сучка|fuck*|*fucking|shit*|bitch*|asshole*|bastard*|dick*|cunt*)
