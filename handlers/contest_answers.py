"""The /newcontest answers: kept raw in the form, validated whenever they are read.

`resolve` reads the answers in order through `bot.services.contest_fields` and
stops at the first missing or wrong one, so that an answer a later change made
wrong (another time zone, the closing time now past) is asked again. `draft_of`
turns the validated answers into a `ContestDraft`. Nothing here talks to Telegram.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from bot.core.i18n import LANGUAGES, N_
from bot.services import contest_dates, contest_groups
from bot.services import contest_fields as cf
from bot.services.contest_groups import MOST_CRITERIA, WEIGHT_TOLERANCE
from bot.services.event_fields import FieldError, parse_language, parse_timezone
from bot.services.numbers import parse_whole_number
from handlers.contest_form import (
    LISTS,
    NOW_WORD,
    ORDER,
    PRESET_SIDES,
    Step,
    asked,
    next_step,
    programme_name,
    titles_of,
)

# Jurors who have not finished are reminded this long before the jury deadline.
JURY_REMINDER_MINUTES = 24 * 60
# "+N" for the jury deadline counts days after closing; more than a year is a typo.
JURY_DAYS_MAX = 366
# As `parse_criteria` splits a list: a comma before a digit is a decimal comma.
_CRITERIA_SEPARATOR = re.compile(r"[;\n]|,(?!\d)")


class _Missing(Exception):
    """The question has no answer yet."""


def _raw(form: dict, step: Step) -> Any:
    if step.value not in form["answers"]:
        raise _Missing
    return form["answers"][step.value]


def _simple(step: Step, parse: Callable[[Any], Any], optional: bool = False) -> Callable:
    def resolve(form: dict, values: dict, now: datetime) -> Any:
        text = _raw(form, step)
        return None if optional and text is None else parse(text)

    return resolve


def _opens(form: dict, values: dict, now: datetime) -> datetime:
    text = _raw(form, Step.OPENS)
    return now if text == NOW_WORD else contest_dates.parse_opens(text, values[Step.TIMEZONE])


def _closes(form: dict, values: dict, now: datetime) -> datetime:
    return contest_dates.parse_closes(_raw(form, Step.CLOSES), values[Step.TIMEZONE],
                                      values[Step.OPENS], now)


def _reference(form: dict, values: dict, now: datetime) -> Any:
    return contest_dates.parse_reference_date(
        _raw(form, Step.REFERENCE), opens_at=values[Step.OPENS], closes_at=values[Step.CLOSES],
        zone=values[Step.TIMEZONE])


def _sides(form: dict, values: dict, now: datetime) -> list:
    sides = form.get("sides", [])
    contest_groups.check_sides(sides)
    return sides


def _criteria(form: dict, values: dict, now: datetime) -> list:
    if not form.get("criteria"):
        raise _Missing
    contest_groups.check_criteria(form["criteria"])
    return form["criteria"]


def _prizes(form: dict, values: dict, now: datetime) -> dict:
    prizes = form.get("prizes", {})
    contest_groups.check_prizes(prizes, values[Step.QUOTA])
    return prizes


def _programme(form: dict, values: dict, now: datetime) -> str | None:
    """The name of the programme chosen; None when none was, or none could be."""
    if not asked(Step.PROGRAMME, form):
        return None
    return programme_name(form, _raw(form, Step.PROGRAMME))


def _deadline(form: dict, values: dict, now: datetime) -> datetime | None:
    text = _raw(form, Step.DEADLINE)
    if text is None:
        return None
    days = parse_whole_number(text[1:]) if text.startswith("+") else None
    if days is not None:
        if days > JURY_DAYS_MAX:
            raise FieldError(
                N_("The jury deadline can be at most {high} days after closing; {value} is out "
                   "of range."),
                high=JURY_DAYS_MAX, value=text.strip(),
            )
        return values[Step.CLOSES] + timedelta(days=days)
    return contest_dates.parse_jury_deadline(text, values[Step.TIMEZONE], values[Step.CLOSES])


RESOLVERS: dict[Step, Callable[[dict, dict, datetime], Any]] = {
    Step.KIND: _simple(Step.KIND, cf.parse_contest_kind),
    Step.LANGUAGE: _simple(Step.LANGUAGE, parse_language),
    Step.TITLE: _simple(Step.TITLE, cf.parse_contest_title),
    Step.THEME: _simple(Step.THEME, cf.parse_theme),
    Step.RULES: _simple(Step.RULES, cf.parse_rules, optional=True),
    Step.PROGRAMME: _programme,
    Step.ORGANIZER: _simple(Step.ORGANIZER, cf.parse_organizer),
    Step.TIMEZONE: _simple(Step.TIMEZONE, parse_timezone),
    Step.OPENS: _opens,
    Step.CLOSES: _closes,
    Step.AGES: _simple(Step.AGES, cf.parse_age_range),
    Step.REFERENCE: _reference,
    Step.SIDES: _sides,
    Step.QUOTA: _simple(Step.QUOTA, cf.parse_quota),
    Step.ENTRIES: _simple(Step.ENTRIES, cf.parse_entries_limit),
    Step.CRITERIA: _criteria,
    Step.SCALE: _simple(Step.SCALE, cf.parse_scale),
    Step.TIES: _simple(Step.TIES, cf.parse_tie_policy),
    Step.PRIZES: _prizes,
    Step.JURORS: _simple(Step.JURORS, cf.parse_min_jurors),
    Step.DEADLINE: _deadline,
    Step.NAMES: _simple(Step.NAMES, cf.parse_winner_names),
    Step.AWARD: _simple(Step.AWARD, cf.parse_award),
}


def resolve(form: dict, now: datetime,
            upto: Step | None = None) -> tuple[dict, Step | None, FieldError | None]:
    """The validated answers in order, up to `upto`, and the first missing or wrong one."""
    values: dict = {}
    for step in ORDER:
        if step not in RESOLVERS:
            continue
        try:
            values[step] = RESOLVERS[step](form, values, now)
        except _Missing:
            return values, step, None
        except FieldError as error:
            return values, step, error
        if step is upto:
            break
    return values, None, None


def draft_of(form: dict, values: dict) -> cf.ContestDraft:
    language = values[Step.LANGUAGE]
    rules, deadline = values[Step.RULES], values[Step.DEADLINE]
    return cf.ContestDraft(
        kind=values[Step.KIND], titles=titles_of(form), language=language,
        timezone=values[Step.TIMEZONE], opens_at=values[Step.OPENS],
        closes_at=values[Step.CLOSES], age_min=values[Step.AGES][0],
        age_max=values[Step.AGES][1], age_reference_date=values[Step.REFERENCE],
        criteria=values[Step.CRITERIA], rules={language: rules} if rules else {},
        themes={language: values[Step.THEME]},
        organizer_names={language: values[Step.ORGANIZER]}, sides=values[Step.SIDES],
        quota_per_side=values[Step.QUOTA], entries_per_participant=values[Step.ENTRIES],
        scale_min=values[Step.SCALE][0], scale_max=values[Step.SCALE][1],
        tie_policy=values[Step.TIES], min_jurors=values[Step.JURORS],
        prizes=values[Step.PRIZES], jury_deadline=deadline,
        jury_reminder_offsets=[JURY_REMINDER_MINUTES] if deadline else [],
        winner_names=values[Step.NAMES], award=values[Step.AWARD],
        programme=values[Step.PROGRAMME],
    )


# --- taking answers ------------------------------------------------------------------------


def _set_single(form: dict, step: Step, text: str | None, now: datetime) -> None:
    """Keep `text` as the answer to `step` if it is valid now; raises FieldError."""
    answers = form["answers"]
    old = answers.get(step.value, _Missing)
    answers[step.value] = text
    _values, failed, error = resolve(form, now, upto=step)
    if failed is step and error is not None:
        if old is _Missing:
            del answers[step.value]
        else:
            answers[step.value] = old
        raise error


def _add_side(form: dict, side: contest_groups.SideDraft) -> None:
    sides = [*form.get("sides", []), side]
    contest_groups.number_keys(sides, "s")
    contest_groups.check_sides(sides)
    form["sides"] = sides


def _add_criteria(form: dict, text: str, language: str) -> None:
    if len([item for item in _CRITERIA_SEPARATOR.split(text) if item.strip()]) > 1:
        # A whole list in one message is checked as a whole, weights included.
        form["criteria"] = contest_groups.parse_criteria(text, language)
        return
    criteria = [*form.get("criteria", []), contest_groups.parse_criterion(text, language)]
    contest_groups.number_keys(criteria, "c")
    keys = [criterion.key for criterion in criteria]
    if keys[-1] in keys[:-1]:
        raise FieldError(N_("The criterion {key} is given twice."), key=keys[-1])
    if len(criteria) > MOST_CRITERIA:
        raise FieldError(N_("That is enough criteria: press Done."))
    total = sum(criterion.weight for criterion in criteria)
    if total > 1 + WEIGHT_TOLERANCE:
        raise FieldError(N_("The weights would add up to {total}, more than 1: send this "
                            "criterion again with a smaller weight."),
                         total=round(total, 4))  # a float: shown as "1,2" in kk, ru, uk
    form["criteria"] = criteria


def _add_prizes(form: dict, text: str, values: dict) -> None:
    prizes = dict(form.get("prizes", {}))
    for place, texts in contest_groups.parse_prizes(text, values[Step.LANGUAGE]).items():
        if place in prizes:
            raise FieldError(N_("The prize for place {place} is given twice."), place=place)
        prizes[place] = texts
    contest_groups.check_prizes(prizes, values[Step.QUOTA])
    form["prizes"] = dict(sorted(prizes.items(), key=lambda item: int(item[0])))


def default_criteria(translate: Callable[[str, str], str]) -> list[contest_groups.CriterionDraft]:
    """The suggested criteria, named in every language; `translate(language, msgid)`."""
    return [contest_groups.CriterionDraft(key, {code: translate(code, name) for code in LANGUAGES},
                                          weight)
            for key, name, weight in contest_groups.DEFAULT_CRITERIA]


def take_text(form: dict, step: Step, text: str, now: datetime) -> Step:
    """Validate a typed answer and keep it; the next question to ask. Raises FieldError."""
    values, failed, _error = resolve(form, now)
    if failed is not None and position(failed) < position(step):
        # An earlier answer went wrong meanwhile (the closing time passed): `ask` explains.
        return step
    if step is Step.TRANSLATION:
        form.setdefault("extra_titles", {})[form["translating"]] = cf.parse_contest_title(text)
    elif step is Step.SIDES:
        _add_side(form, contest_groups.parse_side(text, values[Step.LANGUAGE]))
    elif step is Step.CRITERIA:
        _add_criteria(form, text, values[Step.LANGUAGE])
    elif step is Step.PRIZES:
        _add_prizes(form, text, values)
    else:
        _set_single(form, step, text, now)
    return step if step in LISTS else next_step(step, form)


def position(step: Step) -> int:
    return ORDER.index(Step.TRANSLATIONS if step is Step.TRANSLATION else step)


def press(form: dict, step: Step, action: str, value: str | None, now: datetime,
          translate: Callable[[str, str], str]) -> Step:
    """The effect of a button other than a plain answer; the question to ask next."""
    values, failed, _error = resolve(form, now)
    if failed is not None and position(failed) < position(step):
        return step
    if (action == "keep" and step in values) or (action == "next"
                                                 and step is Step.TRANSLATIONS):
        return next_step(step, form)
    if action in ("pick", "none") and step is Step.PROGRAMME:
        chosen = parse_whole_number(value) if action == "pick" else None
        if action == "none" or programme_name(form, chosen) is not None:
            form["answers"][step.value] = chosen
            return next_step(step, form)
        return step
    if action == "skip" and step in (Step.RULES, Step.DEADLINE):
        form["answers"][step.value] = None
        return next_step(step, form)
    if action == "add" and step is Step.TRANSLATIONS and value in LANGUAGES:
        form["translating"] = value
        return Step.TRANSLATION
    if action == "add" and step is Step.SIDES and value in PRESET_SIDES:
        _add_side(form, copy.deepcopy(PRESET_SIDES[value]))
    elif action == "default" and step is Step.CRITERIA:
        form["criteria"] = default_criteria(translate)
        return next_step(step, form)
    elif action == "clear" and step in LISTS:
        form[LISTS[step]] = [] if step is not Step.PRIZES else {}
    elif action == "done" and step is Step.CRITERIA:
        contest_groups.check_criteria(form.get("criteria", []))
        return next_step(step, form)
    elif action == "done" and step in LISTS:
        RESOLVERS[step](form, values, now)
        return next_step(step, form)
    return step
