import Foundation

/// Word lists the extractor relies on. They live in source so extraction stays deterministic and
/// offline; they describe how the genre is written, not any particular drama.
enum Gazetteer {
    /// Romanized Korean surnames, including common variant spellings.
    static let surnames: Set<String> = [
        "Kim", "Lee", "Yi", "Rhee", "Park", "Pak", "Bak", "Choi", "Choe", "Jung", "Jeong", "Chung", "Kang", "Gang",
        "Cho", "Jo", "Yoon", "Yun", "Jang", "Chang", "Lim", "Im", "Han", "Oh", "Seo", "Suh", "Shin", "Sin", "Kwon",
        "Gwon", "Hwang", "Ahn", "An", "Song", "Jeon", "Jun", "Chun", "Cheon", "Hong", "Yoo", "Yu", "Ryu", "Ryoo",
        "Ko", "Go", "Moon", "Mun", "Yang", "Son", "Sohn", "Bae", "Baek", "Paik", "Baik", "Heo", "Huh", "Nam", "Sim",
        "Shim", "Noh", "Roh", "No", "Ha", "Kwak", "Kwack", "Sung", "Seong", "Cha", "Joo", "Ju", "Woo", "Gu", "Koo",
        "Ku", "Min", "Na", "Ra", "Jin", "Ji", "Um", "Eom", "Uhm", "Byun", "Byeon", "Chae", "Won", "Bang", "Gong",
        "Kong", "Hyun", "Hyeon", "Ham", "Yeo", "Choo", "Chu", "Do", "Doh", "Pyo", "Seol", "Sul", "Ma", "Gil", "Kil",
        "Yeon", "Wi", "Myung", "Myeong", "Tak", "Ki", "Gi", "Ok", "Jegal", "Namgoong", "Namgung", "Seon", "Sun",
        "Hah", "Yeom", "Seok", "Suk", "Kyung", "Bong", "Ryoo", "Jee", "Lyu", "Yook", "Yuk", "Ong", "Jeun", "Yum",
        "Maeng", "Cheong", "Hur", "Yim", "Kee", "Goo", "Ryeo", "Seong", "Sa", "Bok", "Dong", "Pi", "Jegal",
    ]

    /// Surnames that are also common English words; as the first token of a capitalized run they
    /// need a plausible given name after them ("Song Kang", not "Song Title").
    static let ambiguousSurnames: Set<String> = [
        "Song", "Ha", "Do", "Ma", "Ko", "Go", "No", "Oh", "Son", "Ki", "Ok", "Na", "Moon", "Ham", "Bang", "Wi", "Im",
        "An", "Yu", "Ra", "Ji", "Sun", "Gong", "Kong", "Sim", "Won", "Jin", "Min", "Nam", "Sung", "Gil", "Dong", "Pi",
        "Sa", "Bok", "Bong", "Gu", "Ku", "Tak", "Chang", "Han", "Hong", "Jun", "Yoo",
    ]

    /// Broadcasters, canonical spelling by lowercase surface form.
    static let networks: [String: String] = [
        "tvn": "tvN", "kbs": "KBS", "kbs2": "KBS2", "kbs 2tv": "KBS2", "kbs2tv": "KBS2", "kbs 1tv": "KBS1",
        "kbs1": "KBS1", "mbc": "MBC", "sbs": "SBS", "jtbc": "JTBC", "ena": "ENA", "mbn": "MBN",
        "tv chosun": "TV Chosun",
        "tvchosun": "TV Chosun", "channel a": "Channel A", "ocn": "OCN", "mnet": "Mnet", "tvn story": "tvN Story",
        "olive": "Olive", "kbs joy": "KBS Joy", "mbc every1": "MBC every1", "dramax": "DramaX", "skylife": "Skylife",
        "genie tv": "Genie TV", "u+ mobile tv": "U+ Mobile TV", "ebs": "EBS", "channel s": "Channel S",
        "lifetime": "Lifetime", "tvn drama": "tvN",
    ]

    /// Streaming platforms, canonical spelling by lowercase surface form.
    static let platforms: [String: String] = [
        "netflix": "Netflix", "disney+": "Disney+", "disney plus": "Disney+", "tving": "TVING", "wavve": "Wavve",
        "coupang play": "Coupang Play", "viki": "Viki", "rakuten viki": "Viki", "prime video": "Prime Video",
        "amazon prime video": "Prime Video", "amazon prime": "Prime Video", "apple tv+": "Apple TV+",
        "iqiyi": "iQIYI", "viu": "Viu", "kocowa": "Kocowa", "kocowa+": "Kocowa", "hulu": "Hulu", "wetv": "WeTV",
        "watcha": "Watcha", "max": "Max", "hbo max": "Max", "youtube": "YouTube", "naver tv": "Naver TV",
        "u+ mobile tv": "U+ Mobile TV", "genie tv": "Genie TV", "seezn": "Seezn", "kakaotv": "KakaoTV",
        "kakao tv": "KakaoTV", "vidio": "Vidio", "friday": "Friday",
    ]

    static let ordinals: [String: Int] = [
        "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
        "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
        "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20,
    ]

    static let cardinals: [String: Int] = [
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
        "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
        "eighteen": 18, "nineteen": 19, "twenty": 20, "twenty-four": 24, "thirty": 30, "thirty-two": 32,
        "forty": 40, "fifty": 50,
    ]

    /// Words that start capitalized runs in news prose without being names. A run that consists only
    /// of these, or begins with one, is not a person or group.
    static let notNames: Set<String> = [
        "a", "an", "the", "this", "that", "these", "those", "it", "its", "he", "she", "they", "his", "her", "their",
        "we", "our", "you", "your", "i", "my", "me", "meanwhile", "however", "also", "and", "but", "or", "so", "as",
        "in", "on", "at", "for", "from", "with", "by", "of", "to", "after", "before", "since", "while", "when",
        "where", "who", "what", "why", "how", "according", "previously", "earlier", "recently", "currently",
        "today", "tomorrow", "yesterday", "tonight", "now", "then", "there", "here", "last", "next", "first",
        "second", "third", "new", "upcoming", "star", "stars", "actor", "actress", "actors", "singer", "singers",
        "drama", "dramas", "series", "ost", "osts", "original", "soundtrack", "soundtracks", "part", "season",
        "episode", "episodes", "kst", "january", "february", "march", "april", "may", "june", "july", "august",
        "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
        "sept", "oct", "nov", "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "korean", "korea", "south", "seoul", "k-drama", "k-pop", "kpop", "mv", "music", "video", "fans", "fan",
        "netizens", "viewers", "audiences", "reports", "report", "sources", "source", "insiders", "industry",
        "officials", "official", "agency", "representative", "production", "producer", "producers", "director",
        "writer", "team", "cast", "casting", "role", "lead", "main", "male", "female", "supporting", "special",
        "cameo", "song", "songs", "track", "tracks", "single", "album", "ballad", "lyrics", "melody", "vocals",
        "listen", "watch", "stay", "read", "check", "click", "meet", "get", "see", "here's", "heres", "why",
        "exclusive", "breaking", "update", "updated", "confirmed", "reportedly", "rumors", "rumours", "news",
        "photo", "photos", "image", "teaser", "poster", "trailer", "set", "ready", "will", "is", "are", "was",
        "were", "has", "have", "had", "be", "not", "no", "yes", "all", "both", "each", "every", "some", "many",
        "more", "most", "other", "another", "one", "two", "three", "four", "five", "ten", "during", "despite",
        "amid", "following", "through", "between", "about", "into", "over", "under", "than", "like", "just",
        "only", "even", "still", "once", "again", "already", "soon", "if", "because", "although", "though",
        "which", "whose", "whom", "would", "could", "should", "can", "may", "might", "must", "do", "does", "did",
        "said", "says", "told", "added", "explained", "revealed", "announced", "released", "unveiled", "dropped",
        "sing", "sings", "sang", "sung", "join", "joins", "joined", "lend", "lends", "makes", "make", "returns",
        "return", "comeback", "debut", "ahead", "notably", "additionally", "moreover", "furthermore", "plus",
        "in addition", "well", "mr", "ms", "mrs", "dr", "part.", "ep", "vol", "chapter", "global", "world",
        "hallyu", "netflix", "disney", "film", "movie", "webtoon", "web", "novel", "show", "program", "variety",
        "entertainment", "ent", "media", "studio", "studios", "pictures", "company", "records", "label", "group",
        "boy", "girl", "band", "unit", "member", "members", "leader", "vocalist", "rapper", "idol", "rookie",
        "veteran", "legend", "legendary", "popular", "famous", "hit", "talented", "beloved", "acclaimed",
        "chart-topping", "romance", "romantic", "comedy", "thriller", "historical", "fantasy", "mystery", "action",
        "melodrama", "sageuk", "office", "medical", "legal", "youth", "school", "high", "spoiler", "spoilers",
        "review", "ratings", "rating", "viewership", "nielsen", "ost part", "pre-release", "title", "titled",
        "called", "named", "dubbed", "known", "best", "top", "big", "little", "good", "great", "late", "early",
        "sbs", "kbs", "mbc", "tvn", "jtbc", "ena", "ocn", "mbn", "instagram", "twitter", "facebook", "youtube",
        "tiktok", "weverse", "melon", "genie", "bugs", "spotify", "apple", "amazon", "billboard", "gaon", "circle",
        "hanteo", "afp", "ap", "reuters", "yonhap", "newsen", "osen", "news1", "ilgan", "sports", "xports",
        "dispatch", "allkpop", "soompi", "koreaboo", "herald", "times", "daily", "joongang", "chosun", "donga",
        "hankook", "hankyung", "mydaily", "tenasia", "starnews", "edaily", "ytn", "isplus", "mk", "tv", "nothing",
        "nobody", "everyone", "someone", "report", "exclusive", "single", "singles", "lineup", "line-up", "ost lineup",
        "details", "detail", "via", "inside", "behind", "congratulations", "thank", "thanks", "please", "happy",
        "r&b", "hip-hop", "edm", "especially", "particularly", "hitmaker", "composer", "lyricist", "reporter",
        "singer-songwriter", "singer-actress", "singer-actor", "co-star", "co-stars", "leads", "starring",
        "pre-orders", "pre-order", "familiar",
    ]

    /// Words that end an organisation name; runs ending with them are agencies, outlets or labels.
    static let organizationSuffixes: Set<String> = [
        "entertainment", "ent", "ent.", "agency", "media", "studio", "studios", "pictures", "company", "music",
        "records", "label", "broadcasting", "news", "daily", "herald", "times", "ilbo", "sports", "networks",
        "network", "productions", "production", "corporation", "corp", "corp.", "inc", "inc.", "group", "e&m",
        "enm", "content", "contents", "culture", "story", "works", "m&c", "dispatch", "communications", "magazine",
        "post", "tribune", "journal", "express", "channel", "tv", "hub", "plus", "film", "films", "labels",
    ]

    /// Months by name and abbreviation.
    static let months: [String: Int] = [
        "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
        "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
        "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    ]
}
