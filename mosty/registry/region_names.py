"""Names of Russian and Ukrainian regions in English, Ukrainian and Russian, keyed by ISO 3166-2 code.

The codes are the ones pycountry lists (``pycountry.subdivisions.get(country_code="RU" | "UA")``); pycountry's own
names are romanised local forms and its translations are incomplete or wrong, so the names live here.

Conventions:

* English: the usual English exonyms ("Moscow", "Kaliningrad Oblast", "Republic of Tatarstan"). Ukrainian places
  use Ukrainian-based spellings ("Kyiv", "Odesa", "Luhansk", "Khmelnytskyi"). ASCII only.
* Ukrainian and Russian: the constitutional names of the Russian federal subjects where they carry a second part
  ("Ханты-Мансийский автономный округ — Югра", "Кемеровская область — Кузбасс").
* Ukraine follows ISO 3166-2:UA as pycountry has it (UA-12 Dnipropetrovsk, UA-35 Kirovohrad Oblast); the Russian
  names of Ukrainian regions are those of Ukraine's official Russian-language usage ("Киев", "Николаевская область").
"""

# ruff: noqa: RUF001  # Cyrillic names legitimately contain letters that look like Latin ones.

from __future__ import annotations

from typing import NamedTuple


class RegionName(NamedTuple):
    en: str
    uk: str
    ru: str


# The languages of RegionName, in field order.
LANGUAGES: tuple[str, ...] = RegionName._fields

SUBDIVISION_NAMES: dict[str, RegionName] = {
    # Russia: 83 federal subjects as ISO 3166-2:RU lists them.
    "RU-AD": RegionName("Republic of Adygea", "Республіка Адигея", "Республика Адыгея"),
    "RU-AL": RegionName("Altai Republic", "Республіка Алтай", "Республика Алтай"),
    "RU-ALT": RegionName("Altai Krai", "Алтайський край", "Алтайский край"),
    "RU-AMU": RegionName("Amur Oblast", "Амурська область", "Амурская область"),
    "RU-ARK": RegionName("Arkhangelsk Oblast", "Архангельська область", "Архангельская область"),
    "RU-AST": RegionName("Astrakhan Oblast", "Астраханська область", "Астраханская область"),
    "RU-BA": RegionName("Republic of Bashkortostan", "Республіка Башкортостан", "Республика Башкортостан"),
    "RU-BEL": RegionName("Belgorod Oblast", "Бєлгородська область", "Белгородская область"),
    "RU-BRY": RegionName("Bryansk Oblast", "Брянська область", "Брянская область"),
    "RU-BU": RegionName("Republic of Buryatia", "Республіка Бурятія", "Республика Бурятия"),
    "RU-CE": RegionName("Chechen Republic", "Чеченська Республіка", "Чеченская Республика"),
    "RU-CHE": RegionName("Chelyabinsk Oblast", "Челябінська область", "Челябинская область"),
    "RU-CHU": RegionName("Chukotka Autonomous Okrug", "Чукотський автономний округ", "Чукотский автономный округ"),
    "RU-CU": RegionName("Chuvash Republic", "Чуваська Республіка", "Чувашская Республика"),
    "RU-DA": RegionName("Republic of Dagestan", "Республіка Дагестан", "Республика Дагестан"),
    "RU-IN": RegionName("Republic of Ingushetia", "Республіка Інгушетія", "Республика Ингушетия"),
    "RU-IRK": RegionName("Irkutsk Oblast", "Іркутська область", "Иркутская область"),
    "RU-IVA": RegionName("Ivanovo Oblast", "Івановська область", "Ивановская область"),
    "RU-KAM": RegionName("Kamchatka Krai", "Камчатський край", "Камчатский край"),
    "RU-KB": RegionName(
        "Kabardino-Balkar Republic", "Кабардино-Балкарська Республіка", "Кабардино-Балкарская Республика"
    ),
    "RU-KC": RegionName(
        "Karachay-Cherkess Republic", "Карачаєво-Черкеська Республіка", "Карачаево-Черкесская Республика"
    ),
    "RU-KDA": RegionName("Krasnodar Krai", "Краснодарський край", "Краснодарский край"),
    # Constitutional name since 2019 ("— Кузбасс"); the English keeps the usual short form, as for RU-KHM.
    "RU-KEM": RegionName("Kemerovo Oblast", "Кемеровська область — Кузбас", "Кемеровская область — Кузбасс"),
    "RU-KGD": RegionName("Kaliningrad Oblast", "Калінінградська область", "Калининградская область"),
    "RU-KGN": RegionName("Kurgan Oblast", "Курганська область", "Курганская область"),
    "RU-KHA": RegionName("Khabarovsk Krai", "Хабаровський край", "Хабаровский край"),
    "RU-KHM": RegionName(
        "Khanty-Mansi Autonomous Okrug",
        "Ханти-Мансійський автономний округ — Югра",
        "Ханты-Мансийский автономный округ — Югра",
    ),
    "RU-KIR": RegionName("Kirov Oblast", "Кіровська область", "Кировская область"),
    "RU-KK": RegionName("Republic of Khakassia", "Республіка Хакасія", "Республика Хакасия"),
    "RU-KL": RegionName("Republic of Kalmykia", "Республіка Калмикія", "Республика Калмыкия"),
    "RU-KLU": RegionName("Kaluga Oblast", "Калузька область", "Калужская область"),
    "RU-KO": RegionName("Komi Republic", "Республіка Комі", "Республика Коми"),
    "RU-KOS": RegionName("Kostroma Oblast", "Костромська область", "Костромская область"),
    "RU-KR": RegionName("Republic of Karelia", "Республіка Карелія", "Республика Карелия"),
    "RU-KRS": RegionName("Kursk Oblast", "Курська область", "Курская область"),
    "RU-KYA": RegionName("Krasnoyarsk Krai", "Красноярський край", "Красноярский край"),
    "RU-LEN": RegionName("Leningrad Oblast", "Ленінградська область", "Ленинградская область"),
    "RU-LIP": RegionName("Lipetsk Oblast", "Липецька область", "Липецкая область"),
    "RU-MAG": RegionName("Magadan Oblast", "Магаданська область", "Магаданская область"),
    "RU-ME": RegionName("Mari El Republic", "Республіка Марій Ел", "Республика Марий Эл"),
    "RU-MO": RegionName("Republic of Mordovia", "Республіка Мордовія", "Республика Мордовия"),
    "RU-MOS": RegionName("Moscow Oblast", "Московська область", "Московская область"),
    "RU-MOW": RegionName("Moscow", "Москва", "Москва"),
    "RU-MUR": RegionName("Murmansk Oblast", "Мурманська область", "Мурманская область"),
    "RU-NEN": RegionName("Nenets Autonomous Okrug", "Ненецький автономний округ", "Ненецкий автономный округ"),
    "RU-NGR": RegionName("Novgorod Oblast", "Новгородська область", "Новгородская область"),
    "RU-NIZ": RegionName("Nizhny Novgorod Oblast", "Нижньогородська область", "Нижегородская область"),
    "RU-NVS": RegionName("Novosibirsk Oblast", "Новосибірська область", "Новосибирская область"),
    "RU-OMS": RegionName("Omsk Oblast", "Омська область", "Омская область"),
    "RU-ORE": RegionName("Orenburg Oblast", "Оренбурзька область", "Оренбургская область"),
    "RU-ORL": RegionName("Oryol Oblast", "Орловська область", "Орловская область"),
    "RU-PER": RegionName("Perm Krai", "Пермський край", "Пермский край"),
    "RU-PNZ": RegionName("Penza Oblast", "Пензенська область", "Пензенская область"),
    "RU-PRI": RegionName("Primorsky Krai", "Приморський край", "Приморский край"),
    "RU-PSK": RegionName("Pskov Oblast", "Псковська область", "Псковская область"),
    "RU-ROS": RegionName("Rostov Oblast", "Ростовська область", "Ростовская область"),
    "RU-RYA": RegionName("Ryazan Oblast", "Рязанська область", "Рязанская область"),
    "RU-SA": RegionName("Sakha (Yakutia) Republic", "Республіка Саха (Якутія)", "Республика Саха (Якутия)"),
    "RU-SAK": RegionName("Sakhalin Oblast", "Сахалінська область", "Сахалинская область"),
    "RU-SAM": RegionName("Samara Oblast", "Самарська область", "Самарская область"),
    "RU-SAR": RegionName("Saratov Oblast", "Саратовська область", "Саратовская область"),
    "RU-SE": RegionName(
        "Republic of North Ossetia-Alania",
        "Республіка Північна Осетія — Аланія",
        "Республика Северная Осетия — Алания",
    ),
    "RU-SMO": RegionName("Smolensk Oblast", "Смоленська область", "Смоленская область"),
    "RU-SPE": RegionName("Saint Petersburg", "Санкт-Петербург", "Санкт-Петербург"),
    "RU-STA": RegionName("Stavropol Krai", "Ставропольський край", "Ставропольский край"),
    "RU-SVE": RegionName("Sverdlovsk Oblast", "Свердловська область", "Свердловская область"),
    "RU-TA": RegionName("Republic of Tatarstan", "Республіка Татарстан", "Республика Татарстан"),
    "RU-TAM": RegionName("Tambov Oblast", "Тамбовська область", "Тамбовская область"),
    "RU-TOM": RegionName("Tomsk Oblast", "Томська область", "Томская область"),
    "RU-TUL": RegionName("Tula Oblast", "Тульська область", "Тульская область"),
    "RU-TVE": RegionName("Tver Oblast", "Тверська область", "Тверская область"),
    "RU-TY": RegionName("Tuva Republic", "Республіка Тива", "Республика Тыва"),
    "RU-TYU": RegionName("Tyumen Oblast", "Тюменська область", "Тюменская область"),
    "RU-UD": RegionName("Udmurt Republic", "Удмуртська Республіка", "Удмуртская Республика"),
    "RU-ULY": RegionName("Ulyanovsk Oblast", "Ульяновська область", "Ульяновская область"),
    "RU-VGG": RegionName("Volgograd Oblast", "Волгоградська область", "Волгоградская область"),
    "RU-VLA": RegionName("Vladimir Oblast", "Владимирська область", "Владимирская область"),
    "RU-VLG": RegionName("Vologda Oblast", "Вологодська область", "Вологодская область"),
    "RU-VOR": RegionName("Voronezh Oblast", "Воронезька область", "Воронежская область"),
    "RU-YAN": RegionName(
        "Yamalo-Nenets Autonomous Okrug", "Ямало-Ненецький автономний округ", "Ямало-Ненецкий автономный округ"
    ),
    "RU-YAR": RegionName("Yaroslavl Oblast", "Ярославська область", "Ярославская область"),
    "RU-YEV": RegionName("Jewish Autonomous Oblast", "Єврейська автономна область", "Еврейская автономная область"),
    "RU-ZAB": RegionName("Zabaykalsky Krai", "Забайкальський край", "Забайкальский край"),
    # Ukraine: 24 oblasts, the Autonomous Republic of Crimea and the cities of Kyiv and Sevastopol.
    "UA-05": RegionName("Vinnytsia Oblast", "Вінницька область", "Винницкая область"),
    "UA-07": RegionName("Volyn Oblast", "Волинська область", "Волынская область"),
    "UA-09": RegionName("Luhansk Oblast", "Луганська область", "Луганская область"),
    "UA-12": RegionName("Dnipropetrovsk Oblast", "Дніпропетровська область", "Днепропетровская область"),
    "UA-14": RegionName("Donetsk Oblast", "Донецька область", "Донецкая область"),
    "UA-18": RegionName("Zhytomyr Oblast", "Житомирська область", "Житомирская область"),
    "UA-21": RegionName("Zakarpattia Oblast", "Закарпатська область", "Закарпатская область"),
    "UA-23": RegionName("Zaporizhzhia Oblast", "Запорізька область", "Запорожская область"),
    "UA-26": RegionName("Ivano-Frankivsk Oblast", "Івано-Франківська область", "Ивано-Франковская область"),
    "UA-30": RegionName("Kyiv", "Київ", "Киев"),
    "UA-32": RegionName("Kyiv Oblast", "Київська область", "Киевская область"),
    "UA-35": RegionName("Kirovohrad Oblast", "Кіровоградська область", "Кировоградская область"),
    "UA-40": RegionName("Sevastopol", "Севастополь", "Севастополь"),
    "UA-43": RegionName("Autonomous Republic of Crimea", "Автономна Республіка Крим", "Автономная Республика Крым"),
    "UA-46": RegionName("Lviv Oblast", "Львівська область", "Львовская область"),
    "UA-48": RegionName("Mykolaiv Oblast", "Миколаївська область", "Николаевская область"),
    "UA-51": RegionName("Odesa Oblast", "Одеська область", "Одесская область"),
    "UA-53": RegionName("Poltava Oblast", "Полтавська область", "Полтавская область"),
    # Russian: the established "Ровенская"; "Ровненская" and the calque "Ривненская" are also seen.
    "UA-56": RegionName("Rivne Oblast", "Рівненська область", "Ровенская область"),
    "UA-59": RegionName("Sumy Oblast", "Сумська область", "Сумская область"),
    "UA-61": RegionName("Ternopil Oblast", "Тернопільська область", "Тернопольская область"),
    "UA-63": RegionName("Kharkiv Oblast", "Харківська область", "Харьковская область"),
    "UA-65": RegionName("Kherson Oblast", "Херсонська область", "Херсонская область"),
    "UA-68": RegionName("Khmelnytskyi Oblast", "Хмельницька область", "Хмельницкая область"),
    "UA-71": RegionName("Cherkasy Oblast", "Черкаська область", "Черкасская область"),
    "UA-74": RegionName("Chernihiv Oblast", "Чернігівська область", "Черниговская область"),
    "UA-77": RegionName("Chernivtsi Oblast", "Чернівецька область", "Черновицкая область"),
}

# The 21 Russian federal subjects whose ISO 3166-2 / pycountry type is "Republic". Crimea (UA-43) is a Ukrainian
# code and is deliberately not here.
NATIONAL_REPUBLICS: frozenset[str] = frozenset(
    {
        "RU-AD",
        "RU-AL",
        "RU-BA",
        "RU-BU",
        "RU-CE",
        "RU-CU",
        "RU-DA",
        "RU-IN",
        "RU-KB",
        "RU-KC",
        "RU-KK",
        "RU-KL",
        "RU-KO",
        "RU-KR",
        "RU-ME",
        "RU-MO",
        "RU-SA",
        "RU-SE",
        "RU-TA",
        "RU-TY",
        "RU-UD",
    }
)


def _language_prefix(language: str) -> str:
    """The language of a tag by its prefix ("uk-UA", "uk_UA" -> "uk"); an unknown language -> "en"."""
    prefix = language.strip().lower().replace("_", "-").split("-", 1)[0]
    return prefix if prefix in LANGUAGES else "en"


def subdivision_name(code: str, language: str) -> str:
    """The name of the region with ISO 3166-2 ``code`` in ``language`` ("en", "uk", "ru", or a tag such as "uk-UA").

    An unknown language falls back to English; an unknown code raises KeyError.
    """
    names = SUBDIVISION_NAMES[code]
    return names[LANGUAGES.index(_language_prefix(language))]
