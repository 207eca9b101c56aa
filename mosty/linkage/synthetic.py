# ruff: noqa: RUF001, S311, SIM905
# (Cyrillic letters are data here; random makes reproducible test data, not secrets; word lists read best as text)
"""Seeded generator of detainee lists from several organisations, with the truth, for tests and benchmarks.

`generate(persons, seed)` promises the same records for the same arguments, and a `truth` mapping each
(source, record_id) to the person it was made from. It is built to be hard in the ways real lists are:

- people: Ukrainian civilians (Ukrainian name forms) and Russian political prisoners (Russian forms), with
  patronymics, birth and detention dates and places; 30% of family names from lists of the commonest, the
  rest built from roots, middles and endings (about 16,000 names), so that common names are common and rare
  ones rare, as in real lists;
- siblings: a share of people have a brother or sister with the same family name, patronymic and birth place
  (the hard negatives);
- organisations, each with its habits: a Ukrainian one (Ukrainian Cyrillic, day-first dates), a Russian one
  (Russian Cyrillic forms even for Ukrainians, sometimes year only), an English one (passport transliteration,
  diminutives, year-month dates) and a European one (German, Polish, French or Czech spelling, partial dates);
- noise: typos, diminutives, missing fields, day and month swapped, a mistyped year, family and given names
  exchanged, a whole name in one column, Latin look-alike letters inside Cyrillic words, duplicates within one
  list.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

from mosty.linkage.records import Record, RecordRef

UK_SURNAMES = (
    "Шевченко Бондаренко Коваленко Бойко Ткаченко Кравченко Коваль Олійник Шевчук Поліщук Ткачук Савченко "
    "Мельник Бондар Марченко Руденко Мороз Лисенко Петренко Клименко Павленко Кравчук Кузьменко Іваненко "
    "Савчук Левченко Гончаренко Харченко Мельничук Карпенко Романенко Василенко Литвиненко Остапенко Тимошенко "
    "Гаврилюк Мартинюк Приходько Панченко Яковенко Вакуленко Захарченко Дячук Степаненко Кириленко Осадчий "
    "Гуменюк Демченко Федоренко Мирошниченко Сидоренко Назаренко Пономаренко Данилюк Костенко Соловйов "
    "Зінченко Голуб Білик Ковальчук Кузьмич Ярошенко Грищенко Прокопенко Дмитренко Антоненко Юрченко "
    "Шаповал Сорока Ковальов Онищенко Кирилюк Семенюк Білоус Гнатюк Головко Тарасенко Жук Рибак Кушнір "
    "Волошин Гребенюк Гордієнко Чорновол Щербак Чумак Стасюк Хоменко Гайдамака Дорошенко Нестеренко"
).split()
RU_SURNAMES = (
    "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков Алексеев "
    "Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин Захаров Зайцев "
    "Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов Александров Дмитриев Королёв "
    "Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков "
    "Баранов Филиппов Комаров Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов "
    "Крылов Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев "
    "Тимофеев Фомин Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышёв Быков"
).split()
UK_PLACES = (
    "Мелітополь Маріуполь Бердянськ Херсон Нова_Каховка Енергодар Запоріжжя Донецьк Луганськ Сімферополь "
    "Севастополь Ялта Джанкой Бахчисарай Керч Каховка Олешки Скадовськ Генічеськ Токмак Василівка Пологи "
    "Ізюм Куп'янськ Балаклія Харків Чернігів Суми Буча Ірпінь Гостомель Київ Миколаїв Одеса Дніпро Краматорськ "
    "Слов'янськ Бахмут Волноваха Старобільськ"
).split()
RU_PLACES = (
    "Москва Санкт-Петербург Екатеринбург Новосибирск Казань Нижний_Новгород Самара Уфа Краснодар Пермь "
    "Воронеж Волгоград Ростов-на-Дону Челябинск Омск Красноярск Саратов Тюмень Ижевск Иркутск Хабаровск"
).split()
UK_PLACE_NAMES = tuple(p.replace("_", " ") for p in UK_PLACES)
RU_PLACE_NAMES = tuple(p.replace("_", " ") for p in RU_PLACES)
SURNAME_ROOTS = (
    "Бабич Бережн Білозер Богуш Бондар Борисенк Бурлак Вакул Вербиц Вишн Волк Ворон Гайов Галич Гладк Голуб Гонт "
    "Гордій Горобц Грабов Гриц Гуцал Даниш Демид Дорош Дуб Єрмол Жовтан Забол Загор Зайч Захарч Зінч Іващ Кадир Калин "
    "Карп Кисел Клим Ковтун Козак Колесн Кононч Корж Костюч Котл Кравц Крив Кулик Купр Лавр Левчук Лесик Литв Лозин "
    "Луценк Люб Мазур Макух Малин Мартин Матвій Медвед Мирон Мищ Мовчан Мороз Нагор Назар Нестер Носач Овсян Олефір "
    "Опанас Орлик Осадч Павлюк Панас Пасічн Пилип Писар Плах Погреб Полтав Попович Прид Пушкар Радч Рибалк Рогоз "
    "Рудн Савиц Семен Сердюк Сидор Сірик Скорик Слобод Собол Стець Стрільц Сухан Таран Тесл Тимч Ткач Тополь Трохим "
    "Устим Федьк Філон Хмар Хом Цимбал Чабан Черн Чуприн Шамрай Швець Шеремет Шпак Щерб Юрк Яким Ярем Ясин"
).split()
SURNAME_MIDDLES = ("", "", "", "ан", "ен", "ин", "ов", "ич", "ут", "ар", "ец", "ал", "ош")
SURNAME_SUFFIXES = ("енко", "енко", "ук", "чук", "юк", "ський", "ов", "ович", "ишин", "ак", "ко", "ець", "ан")
VILLAGE_ROOTS = (
    "Березн Вишнев Зелен Калинов Кам'ян Красн Лугов Михайл Нов Олександр Петр Покров Соснов Степов Тарас Троїц "
    "Успен Черешн Яблун Дубров Вільн Золот Іван Миколаїв Семен Григор Андрій Василів Веселів Ганнів"
).split()
VILLAGE_SUFFIXES = ("ка", "івка", "е", "ове", "ине", "ськ", "ів", "е Поле", "ий Яр", "ці")
DETENTION_KINDS = ("СИЗО-{n} {city}", "ИК-{n} {city}", "СІЗО-{n} {city}", "ИК-{n} {region}", "ПФРСИ ИК-{n} {region}")
DETENTION_CITIES = (
    "Таганрог",
    "Курск",
    "Брянск",
    "Ростов",
    "Симферополь",
    "Пенза",
    "Москва",
    "Кашира",
    "Новозыбков",
    "Донецк",
    "Луганск",
    "Херсон",
    "Мелитополь",
    "Воронеж",
    "Белгород",
    "Саратов",
    "Владимир",
    "Тверь",
)
DETENTION_REGIONS = ("Мордовия", "Копейск", "Кировская обл.", "Коми", "Пермский край", "Рязанская обл.")
DETENTION_PLACES = tuple(
    kind.format(n=n, city=city, region=region)
    for kind in DETENTION_KINDS
    for n in range(1, 9)
    for city, region in zip(DETENTION_CITIES, DETENTION_REGIONS * 3, strict=True)
)  # about 700 facilities

_KMU = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh", "з": "z",
    "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ь": "", "ю": "iu", "я": "ia", "'": "", "ы": "y", "э": "e", "ё": "e", "ъ": "",
}  # fmt: skip
_HABITS: dict[str, dict[str, str]] = {
    "english": _KMU | {"є": "ye", "ю": "yu", "я": "ya", "й": "y", "ї": "yi", "ё": "yo", "ы": "y", "х": "kh"},
    "german": _KMU | {
        "в": "w", "ж": "sch", "з": "s", "й": "j", "х": "ch", "ц": "z", "ч": "tsch", "ш": "sch", "щ": "schtsch",
        "є": "je", "ї": "ji", "ю": "ju", "я": "ja", "ё": "jo", "ы": "y",
    },
    "polish": _KMU | {
        "в": "w", "ж": "ż", "й": "j", "х": "ch", "ц": "c", "ч": "cz", "ш": "sz", "щ": "szcz", "є": "je",
        "ї": "ji", "ю": "ju", "я": "ja", "ё": "io", "ы": "y", "л": "ł",
    },
    "french": _KMU | {
        "ж": "j", "й": "ï", "у": "ou", "ч": "tch", "ш": "ch", "щ": "chtch", "є": "ie", "ю": "iou", "я": "ia",
        "ё": "io", "ы": "y", "х": "kh",
    },
    "czech": _KMU | {
        "ж": "ž", "й": "j", "х": "ch", "ц": "c", "ч": "č", "ш": "š", "щ": "šč", "є": "je", "ї": "ji", "ю": "ju",
        "я": "ja", "ё": "jo", "ы": "y",
    },
}  # fmt: skip
_RU_LETTERS = {"г": "g", "и": "i"}
_HOMOGLYPHS = {"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x", "і": "i"}


def latin_spelling(cyrillic: str, habit: str, language: str) -> str:
    """`cyrillic` spelled the way a `habit` (english, german, polish, french, czech, kmu) writes it."""
    table = _KMU if habit == "kmu" else _HABITS[habit]
    if language == "ru":
        table = table | {k: v for k, v in _RU_LETTERS.items() if habit != "german" or k != "и"}
    out = []
    for word in cyrillic.split(" "):
        letters = []
        for i, char in enumerate(word.lower()):
            latin = table.get(char, char)
            if i == 0 and habit in {"kmu", "english"} and char in "єїйюя":
                latin = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}[char]
            letters.append(latin)
        out.append("".join(letters).capitalize())
    return " ".join(out)


_DIMINUTIVE_ENDINGS = ("ик", "ко", "ка", "ша", "ся", "ня", "ля", "ьо", "ёк", "юк", "ня", "ня", "ша", "ха", "ня")


def _full_forms(forms: list[str]) -> list[str]:
    """[Ukrainian full form, Russian full form, diminutives...]: the table lists the Russian form second only
    where it differs from the Ukrainian one."""
    uk = forms[0]
    if len(forms) > 1:
        second = forms[1]
        diminutive = (second.endswith(_DIMINUTIVE_ENDINGS) and not uk.endswith(second[-2:])) or (
            len(second) < len(uk) and uk.startswith(second[:-1])
        )
        if not diminutive and len(second) >= len(uk) - 1:
            return [uk, second, *forms[2:]]
    return [uk, uk, *forms[1:]]


@cache
def _name_table() -> dict[str, tuple[str, list[str]]]:
    """group -> (sex, forms) from the package's given-name table."""
    text = resources.files("mosty.linkage").joinpath("data/given_names.tsv").read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            group, sex, forms = line.split("\t")
            cyrillic = [f.strip() for f in forms.split(",") if f.strip() and not f.strip()[0].isascii()]
            if cyrillic:
                table[group] = (sex, _full_forms(cyrillic))
    return table


_COMMON_GROUPS = {
    "m": "oleksandr serhii andrii volodymyr mykola ivan dmytro oleh yurii viktor vasyl ihor maksym artem denys "
    "bohdan yevhen pavlo roman vitalii anatolii mykhailo petro taras kyrylo illia vadym ruslan valerii hennadii "
    "oleksii kostiantyn stanislav vladyslav yaroslav nazar danylo hryhorii leonid stepan fedir semen borys timur "
    "akhtem server enver nariman eskender rustam edem".split(),
    "f": "olena tetiana nataliia iryna svitlana oksana yuliia mariia kateryna anna halyna liudmyla valentyna "
    "olha nadiia larysa viktoriia anastasiia alina dariia khrystyna sofiia inna lesia zoia vira liubov maryna "
    "yana uliana elmaz".split(),
}
_COMMON_GROUPS["f"] = [g for g in _COMMON_GROUPS["f"] if g != "nataliia"] + ["natalia"]


def _patronymic(father_form: str, sex: str, language: str) -> str:
    from mosty.linkage.names import _patronymic_forms

    forms = [f for f, s in _patronymic_forms(father_form) if s == sex]
    if not forms:
        return ""
    if language == "ru":
        preferred = [f for f in forms if f.endswith(("ович", "евич", "ьевич", "овна", "евна", "ьевна", "ич", "ична"))]
    else:
        preferred = [f for f in forms if f.endswith(("ович", "йович", "івна", "ївна", "ич"))]
    return (preferred or forms)[0].capitalize()


def _feminine(surname: str, language: str) -> str:
    if language == "ru":
        if surname.endswith(("ов", "ев", "ёв", "ин", "ын")):
            return surname + "а"
        if surname.endswith("ий"):
            return surname[:-2] + "ая"
    if surname.endswith(("ський", "цький")):
        return surname[:-2] + "а"
    if surname.endswith(("ов", "ев", "ін", "ин", "йов", "ьов")):
        return surname + "а"
    return surname


@dataclass(frozen=True)
class Person:
    """The truth about one generated person."""

    person_id: str
    language: str
    sex: str
    family: dict[str, str]
    given_group: str
    father_group: str
    birth: tuple[int, int, int]
    birth_place: str
    detention: tuple[int, int, int]
    detention_place: str
    citizenship: str


@dataclass(frozen=True)
class Generated:
    """Records of all sources, and the person each record was made from."""

    records: list[Record]
    truth: dict[RecordRef, str]
    persons: int


SOURCES = ("uacenter", "memo", "watch", "euforum")


def _make_persons(count: int, rng: random.Random) -> list[Person]:
    names = _name_table()
    persons: list[Person] = []
    while len(persons) < count:
        language = "uk" if rng.random() < 0.7 else "ru"
        if rng.random() < 0.7:
            surname_uk = rng.choice(SURNAME_ROOTS) + rng.choice(SURNAME_MIDDLES) + rng.choice(SURNAME_SUFFIXES)
            if language == "ru":
                surname_uk = surname_uk.replace("і", "и").replace("є", "е").replace("ький", "кий")
        else:
            surname_uk = rng.choice(UK_SURNAMES) if language == "uk" else rng.choice(RU_SURNAMES)
        father = rng.choice(_COMMON_GROUPS["m"])
        if rng.random() < 0.5:
            place = rng.choice(UK_PLACE_NAMES) if language == "uk" else rng.choice(RU_PLACE_NAMES)
        else:
            place = rng.choice(VILLAGE_ROOTS) + rng.choice(VILLAGE_SUFFIXES)
        family_size = 1 if rng.random() < 0.8 else rng.choice((2, 2, 3))
        base_year = rng.randint(1950, 2004)
        used: set[str] = set()
        for _ in range(family_size):
            sex = "m" if rng.random() < 0.7 else "f"
            group = rng.choice([g for g in _COMMON_GROUPS[sex] if g not in used and g in names])
            used.add(group)
            year = min(2006, base_year + rng.randint(-6, 6)) if family_size > 1 else base_year
            birth = (year, rng.randint(1, 12), rng.randint(1, 28))
            detention = (rng.randint(2014, 2026), rng.randint(1, 12), rng.randint(1, 28))
            persons.append(
                Person(
                    person_id=f"T{len(persons) + 1:07d}",
                    language=language,
                    sex=sex,
                    family={"m": surname_uk, "f": _feminine(surname_uk, language)},
                    given_group=group,
                    father_group=father,
                    birth=birth,
                    birth_place=place,
                    detention=detention,
                    detention_place=rng.choice(DETENTION_PLACES),
                    citizenship="UA" if language == "uk" else "RU",
                )
            )
    return persons[:count]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randint(1, len(word) - 2)
    kind = rng.random()
    if kind < 0.35:
        return word[:i] + word[i + 1 :]
    if kind < 0.7:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + word[i] + word[i:]


def _date(parts: tuple[int, int, int], style: str, rng: random.Random, partial: float) -> str:
    year, month, day = parts
    if rng.random() < 0.05:
        return ""
    if rng.random() < 0.02:
        year += rng.choice((-1, 1, 10))
    roll = rng.random()
    if roll < partial / 2:
        return str(year)
    if roll < partial:
        return f"{year}-{month:02d}"
    if rng.random() < 0.04 and day <= 12:
        month, day = day, month
    if style == "dmy":
        return f"{day:02d}.{month:02d}.{year}"
    return f"{year}-{month:02d}-{day:02d}"


def _record(person: Person, source: str, record_id: str, rng: random.Random) -> Record:
    names = _name_table()
    _, given_forms = names[person.given_group]
    _, father_forms = names[person.father_group]
    family_cyr = person.family[person.sex]
    # a Ukrainian list writes Ukrainian forms, a Russian one Russian forms, whoever the person is
    form_language = {"uacenter": "uk", "memo": "ru"}.get(source, person.language)
    given = given_forms[0] if form_language == "uk" else given_forms[1]
    father = father_forms[0] if form_language == "uk" else father_forms[1]
    if rng.random() < 0.1 and len(given_forms) > 2:
        given = rng.choice(given_forms[2:])  # a diminutive
    patronymic = _patronymic(father, person.sex, form_language)
    if form_language != person.language and person.language == "uk" and source == "memo":
        family_cyr = family_cyr.replace("і", "и").replace("ї", "и").replace("є", "е").replace("'", "ь")
    place = person.birth_place
    if source == "memo" and person.language == "uk":
        place = place.replace("і", "и").replace("ї", "и").replace("'", "ь")
    habit = {"watch": "english", "euforum": rng.choice(("german", "polish", "french", "czech"))}.get(source)
    if habit and rng.random() < 0.5 and source == "watch":
        habit = "kmu"
    if habit:
        family = latin_spelling(family_cyr, habit, person.language)
        given = latin_spelling(given, habit, person.language)
        patronymic = latin_spelling(patronymic, habit, person.language) if rng.random() < 0.5 else ""
        place = latin_spelling(place, habit, person.language)
    else:
        family = family_cyr
        if rng.random() < 0.03:
            family = "".join(_HOMOGLYPHS.get(c, c) if rng.random() < 0.5 else c for c in family)
    if rng.random() < 0.08:
        family = _typo(family, rng)
    if rng.random() < 0.04:
        given = _typo(given, rng)
    if rng.random() < 0.15:
        patronymic = ""
    if rng.random() < 0.2:
        place = ""
    partial = {"memo": 0.3, "watch": 0.3, "euforum": 0.45}.get(source, 0.1)
    style = "dmy" if source in {"uacenter", "euforum"} else "iso"
    birth = _date(person.birth, style, rng, partial)
    detention = _date(person.detention, style, rng, 0.5) if rng.random() < 0.6 else ""
    record = Record(
        source=source,
        record_id=record_id,
        family_name=family,
        given_name=given,
        patronymic=patronymic,
        birth_date=birth,
        birth_place=place,
        citizenship=person.citizenship if rng.random() < 0.5 else "",
        detention_date=detention,
        detention_place=person.detention_place if rng.random() < 0.4 else "",
        status=rng.choice(("detained", "sentenced", "missing", "")),
    )
    roll = rng.random()
    if roll < 0.03:
        record = replace(record, family_name=record.given_name, given_name=record.family_name)
    elif roll < 0.06 and record.patronymic:
        record = replace(
            record,
            family_name=f"{record.family_name} {record.given_name} {record.patronymic}",
            given_name="",
            patronymic="",
        )
    return record


def generate(persons: int, seed: int = 7, *, coverage: float = 0.55, duplicates: float = 0.04) -> Generated:
    """Lists of `persons` people across `SOURCES`, each person in at least one list."""
    rng = random.Random(seed)  # nosec B311
    people = _make_persons(persons, rng)
    records: list[Record] = []
    truth: dict[RecordRef, str] = {}
    counters = dict.fromkeys(SOURCES, 0)
    for person in people:
        chosen = [s for s in SOURCES if rng.random() < coverage] or [rng.choice(SOURCES)]
        for source in chosen:
            for _ in range(2 if rng.random() < duplicates else 1):
                counters[source] += 1
                record_id = f"{source[:2].upper()}-{counters[source]:07d}"
                records.append(_record(person, source, record_id, rng))
                truth[(source, record_id)] = person.person_id
    rng.shuffle(records)
    return Generated(records, truth, len(people))
