"""Workflows of the support types: their states, the transitions allowed between them, and the fields each
type asks for. Shipped as defaults here; an organisation's administrator can adjust the retention period and
switch optional states and intake fields off (`CaseTypeSettings`).

A state's `public` label is what an applicant sees when checking the status with a codename: it never says
more than the applicant needs (no names, no internal steps).
"""

# Cyrillic labels are data.
# ruff: noqa: RUF001

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class State:
    code: str
    en: str
    uk: str
    ru: str
    closed: bool = False
    optional: bool = False  # an organisation may switch it off

    def label(self, language: str) -> str:
        return str(getattr(self, language, self.en) or self.en)


@dataclass(frozen=True)
class TypeField:
    """A field of one support type, kept (encrypted) in the case's `details`."""

    key: str
    kind: str  # text | date | number | choice | bool
    en: str
    uk: str
    ru: str
    required: bool = False
    intake: bool = True  # asked on the public intake form
    choices: tuple[tuple[str, str, str, str], ...] = ()  # (value, en, uk, ru)
    max_length: int = 500

    def label(self, language: str) -> str:
        return str(getattr(self, language, self.en) or self.en)


@dataclass(frozen=True)
class Workflow:
    states: tuple[State, ...]
    transitions: dict[str, tuple[str, ...]]
    fields: tuple[TypeField, ...] = ()
    retention_days: int = 365 * 2

    @property
    def initial(self) -> str:
        return self.states[0].code

    def state(self, code: str) -> State | None:
        return next((s for s in self.states if s.code == code), None)

    def allowed(self, from_code: str, *, disabled: frozenset[str] = frozenset()) -> tuple[str, ...]:
        return tuple(c for c in self.transitions.get(from_code, ()) if c not in disabled)

    def closed_codes(self) -> frozenset[str]:
        return frozenset(s.code for s in self.states if s.closed)


NEW = State("new", "New", "Нова", "Новая")
TRIAGE = State("triage", "In triage", "На оцінці", "На оценке")
IN_PROGRESS = State("in_progress", "In progress", "В роботі", "В работе")
WAITING = State("waiting", "Waiting for the applicant", "Очікує заявника", "Ожидает заявителя", optional=True)
DONE = State("closed_done", "Closed: help given", "Закрито: допомогу надано", "Закрыто: помощь оказана", closed=True)
DECLINED = State("closed_declined", "Closed: declined", "Закрито: відмовлено", "Закрыто: отказано", closed=True)
WITHDRAWN = State("closed_withdrawn", "Closed: withdrawn", "Закрито: відкликано", "Закрыто: отозвано", closed=True)
REFERRED = State(
    "closed_referred",
    "Closed: referred elsewhere",
    "Закрито: передано іншій організації",
    "Закрыто: передано другой организации",
    closed=True,
)

_CLOSINGS = ("closed_done", "closed_declined", "closed_withdrawn", "closed_referred")


def _workflow(
    middle: tuple[State, ...],
    *,
    fields: tuple[TypeField, ...] = (),
    retention_days: int = 365 * 2,
) -> Workflow:
    """new -> triage -> in_progress -> the type's own steps in order -> closed, with waiting and the closings
    reachable from every open state, and a closed case re-openable into triage."""
    states = (NEW, TRIAGE, IN_PROGRESS, *middle, WAITING, DONE, DECLINED, WITHDRAWN, REFERRED)
    chain = ["in_progress", *[s.code for s in middle]]
    transitions: dict[str, tuple[str, ...]] = {
        "new": ("triage", "closed_declined", "closed_withdrawn"),
        "triage": ("in_progress", "waiting", "closed_declined", "closed_withdrawn", "closed_referred"),
    }
    for index, code in enumerate(chain):
        onward = (chain[index + 1],) if index + 1 < len(chain) else ()
        back = (chain[index - 1],) if index > 0 else ()
        transitions[code] = (*onward, *back, "waiting", *_CLOSINGS)
    transitions["waiting"] = (*chain, "closed_withdrawn", "closed_declined")
    for closed in _CLOSINGS:
        transitions[closed] = ("triage",)
    return Workflow(states=states, transitions=transitions, fields=fields, retention_days=retention_days)


def _s(code: str, en: str, uk: str, ru: str, **kw: bool) -> State:
    return State(code, en, uk, ru, **kw)


CITY = TypeField("current_city", "text", "Where are you now (city)?", "Де ви зараз (місто)?", "Где вы сейчас (город)?")
LANGUAGES = TypeField(
    "languages", "text", "Languages you speak", "Мови, якими ви володієте", "Языки, которыми вы владеете"
)

WORKFLOWS: dict[str, Workflow] = {
    "humanitarian-visa": _workflow(
        (
            _s("documents", "Collecting documents", "Збір документів", "Сбор документов"),
            _s("submitted", "Submitted to the embassy", "Подано до посольства", "Подано в посольство"),
            _s("decided", "Decision received", "Рішення отримано", "Решение получено"),
        ),
        fields=(
            CITY,
            TypeField(
                "destination",
                "text",
                "Country you ask for",
                "Країна, до якої ви звертаєтесь",
                "Страна, в которую вы обращаетесь",
                required=True,
            ),
            TypeField("passport_valid", "bool", "Valid passport", "Чинний паспорт", "Действующий паспорт"),
            TypeField(
                "embassy_date",
                "date",
                "Embassy appointment",
                "Запис до посольства",
                "Запись в посольство",
                intake=False,
            ),
        ),
    ),
    "evacuation": _workflow(
        (
            _s("planning", "Planning the route", "Планування маршруту", "Планирование маршрута"),
            _s("in_transit", "In transit", "В дорозі", "В пути"),
            _s("arrived", "Arrived safely", "Прибув у безпеку", "Прибыл в безопасное место"),
        ),
        fields=(
            CITY,
            TypeField("people", "number", "How many people travel", "Скільки людей їде", "Сколько человек едет"),
            TypeField(
                "travel_date", "date", "Planned departure", "Запланований виїзд", "Планируемый выезд", intake=False
            ),
        ),
        retention_days=365,
    ),
    "micro-grant": _workflow(
        (
            _s("approved", "Approved", "Схвалено", "Одобрено"),
            _s("tranche_paid", "Tranche paid", "Транш виплачено", "Транш выплачен"),
            _s("report_received", "Report received", "Звіт отримано", "Отчёт получен"),
        ),
        fields=(
            TypeField(
                "amount_eur",
                "number",
                "Amount asked (EUR)",
                "Запитувана сума (EUR)",
                "Запрашиваемая сумма (EUR)",
                required=True,
            ),
            TypeField(
                "purpose",
                "text",
                "What the money is for",
                "На що потрібні кошти",
                "На что нужны средства",
                required=True,
                max_length=2000,
            ),
        ),
        retention_days=365 * 5,
    ),
    "safe-housing": _workflow(
        (
            _s("place_offered", "Place offered", "Місце запропоновано", "Место предложено"),
            _s("checked_in", "Checked in", "Заселено", "Заселён"),
            _s("checked_out", "Checked out", "Виселено", "Выселен"),
        ),
        fields=(
            TypeField("from_date", "date", "From", "З", "С", required=True),
            TypeField("to_date", "date", "Until", "До", "До"),
            TypeField("people", "number", "How many people", "Скільки людей", "Сколько человек"),
            TypeField(
                "residence",
                "text",
                "Flat residence or shelter",
                "Резиденція або притулок",
                "Резиденция или приют",
                intake=False,
            ),
        ),
        retention_days=365,
    ),
    "legal-aid": _workflow(
        (
            _s("lawyer_assigned", "Lawyer assigned", "Юриста призначено", "Юрист назначен"),
            _s("proceedings", "Proceedings", "Провадження", "Производство"),
        ),
        fields=(
            CITY,
            TypeField(
                "matter",
                "choice",
                "What is it about",
                "Про що йдеться",
                "О чём речь",
                choices=(
                    ("criminal", "Criminal case", "Кримінальна справа", "Уголовное дело"),
                    ("administrative", "Administrative case", "Адміністративна справа", "Административное дело"),
                    ("migration", "Residence and asylum", "Перебування і притулок", "Пребывание и убежище"),
                    ("other", "Other", "Інше", "Другое"),
                ),
            ),
            TypeField(
                "hearing_date", "date", "Next hearing", "Наступне засідання", "Следующее заседание", intake=False
            ),
        ),
        retention_days=365 * 5,
    ),
    "psychological-support": _workflow(
        (_s("sessions", "Sessions running", "Сесії тривають", "Сессии идут"),),
        fields=(LANGUAGES,),
        retention_days=365,
    ),
    "medical-help": _workflow(
        (_s("treatment", "Treatment arranged", "Лікування організовано", "Лечение организовано"),),
        fields=(CITY,),
        retention_days=365,
    ),
    "scholarship": _workflow(
        (
            _s("shortlisted", "Shortlisted", "У короткому списку", "В коротком списке"),
            _s("awarded", "Awarded", "Присуджено", "Присуждено"),
        ),
        fields=(
            TypeField(
                "field",
                "text",
                "Field of work or study",
                "Галузь роботи чи навчання",
                "Область работы или учёбы",
                required=True,
            ),
            LANGUAGES,
        ),
        retention_days=365 * 3,
    ),
    "security-training": _workflow(
        (_s("scheduled", "Training scheduled", "Навчання заплановано", "Обучение запланировано"),),
        fields=(TypeField("group_size", "number", "Group size", "Розмір групи", "Размер группы"),),
        retention_days=365,
    ),
    "detainee-family": _workflow(
        (
            _s("contact_made", "In contact with the family", "Контакт з родиною", "Контакт с семьёй"),
            _s("support_running", "Support running", "Підтримка триває", "Поддержка идёт"),
        ),
        fields=(
            TypeField(
                "relation",
                "text",
                "Your relation to the detained person",
                "Ким ви доводитесь затриманій людині",
                "Кем вы приходитесь задержанному",
                required=True,
            ),
            TypeField(
                "detention_place", "text", "Where the person is held", "Де утримують людину", "Где содержат человека"
            ),
        ),
        retention_days=365 * 5,
    ),
}

DEFAULT_WORKFLOW = _workflow(())


def workflow_for(support_type_slug: str) -> Workflow:
    """The shipped workflow of a support type (a generic one for types added later)."""
    return WORKFLOWS.get(support_type_slug, DEFAULT_WORKFLOW)


@dataclass(frozen=True)
class Triage:
    """The documented triage score: risk weighs twice as much as urgency, and a deadline within a week adds one.
    score = 2 * risk + urgency + (1 if a deadline is within 7 days) -> 3..13; higher first."""

    risk: int
    urgency: int
    deadline_soon: bool = False

    @property
    def score(self) -> int:
        return 2 * self.risk + self.urgency + (1 if self.deadline_soon else 0)
