"""Finding people by name when the name is misspelt (issue #16, item 3).

In safeguarding a missed match is the dangerous failure: "Jessica Marshall" must find
"Jessica Marshaall", "Harjit Patel" must find "Harjit Pattel", "Smyth" must find "Smith",
"Bill" must find "William", and a date of birth with day and month swapped must still
match. This module is the matcher, free of Django: an in-memory :class:`NameIndex` over
``(id, given name, family name, date of birth)`` rows that finds candidates through
blocking keys and ranks them by comparison levels, saying why each one matched.

The comparison levels are the record-linkage model's (``analytics.linkage``, the
Fellegi-Sunter model's name and date-of-birth comparisons, run there in SQL by Splink)
written as Python for one query against many people: exact; a nickname (the shipped
table ``data/names/nicknames.csv``); one keystroke different (Damerau-Levenshtein 1: a
typo, a doubled or dropped letter, two letters transposed); the same sound (Metaphone);
Jaro-Winkler at least 0.92, then at least 0.8; and for dates, exact, then day and month
transposed.

Candidates come from blocking keys, as in linkage: each name word's Metaphone code,
its first three letters, its nickname group, and its one-letter deletions (so every
word one keystroke away is found); the date of birth and the date with day and month
swapped. Every query word must match a name word of the person at some
level; the score is the mean of the words' levels (1.0 for exact).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources

import jellyfish

__all__ = [
    "Match",
    "NameIndex",
    "Row",
    "compare_word",
    "nickname_groups",
    "normalise",
    "swapped",
]

Row = tuple[int, str, str, date | None]
"""A person as the index holds them: ``(id, given name, family name, birth date)``."""

# Comparison levels, best first: (score, label). Scores order the results; a word
# matching below the last level does not match.
EXACT = 1.0
PREFIX = 0.95  # the word typed is the start of the name ("Jess" for "Jessica")
NICKNAME = 0.9
ONE_KEYSTROKE = 0.9
SOUNDS_LIKE = 0.85
SIMILAR = 0.85  # Jaro-Winkler >= 0.92, the linkage model's upper threshold
PARTLY = 0.6  # Jaro-Winkler >= 0.8, the linkage model's lower threshold
CANDIDATE_LIMIT = 20_000  # more candidates than this: the query is too vague to rank


def normalise(text: str) -> str:
    """Lower case, accents dropped, apostrophes removed, other punctuation a space.

    >>> normalise("  O'Brien-SMYTHE ")
    'obrien smythe'
    >>> normalise("Zoë")
    'zoe'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_ = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    ascii_ = re.sub(r"['’`]", "", ascii_)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_).split())


def words(text: str) -> list[str]:
    """The normalised words of a name."""
    return normalise(text).split()


@cache
def nickname_groups() -> dict[str, frozenset[int]]:
    """Each given name in the shipped nickname table -> the groups it belongs to."""
    out: dict[str, set[int]] = defaultdict(set)
    text = (
        resources.files("saferleeds")
        .joinpath("data/names/nicknames.csv")
        .read_text(encoding="utf-8")
    )
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    for n, row in enumerate(csv.reader(lines)):
        for name in row:
            out[normalise(name)].add(n)
    return {k: frozenset(v) for k, v in out.items()}


@cache
def _metaphone(word: str) -> str:
    return jellyfish.metaphone(word) if word.isalpha() else word


@lru_cache(maxsize=500_000)
def compare_word(typed: str, name: str, *, given: bool) -> tuple[float, str]:
    """How well one typed word matches one name word: ``(score, why)``; ``(0, "")``
    if not at all. Both are normalised words.

    Args:
        typed: The word searched for.
        name: A word of the person's name.
        given: Whether ``name`` is a given name (nicknames apply to those only).

    >>> compare_word("marshall", "marshaall", given=False)
    (0.9, 'one letter different')
    >>> compare_word("smyth", "smith", given=False)
    (0.9, 'one letter different')
    >>> compare_word("bill", "william", given=True)
    (0.9, 'nickname')
    """
    if typed == name:
        return EXACT, "exact"
    if len(typed) >= 2 and name.startswith(typed):
        return PREFIX, "starts with"
    if given:
        groups = nickname_groups()
        if groups.get(typed, frozenset()) & groups.get(name, frozenset()):
            return NICKNAME, "nickname"
    if abs(len(typed) - len(name)) <= 1 and min(len(typed), len(name)) >= 3:
        if jellyfish.damerau_levenshtein_distance(typed, name) == 1:
            if len(typed) == len(name) and sorted(typed) == sorted(name):
                return ONE_KEYSTROKE, "two letters swapped"
            return ONE_KEYSTROKE, "one letter different"
    if len(typed) >= 3 and _metaphone(typed) == _metaphone(name):
        return SOUNDS_LIKE, "sounds the same"
    similarity = jellyfish.jaro_winkler_similarity(typed, name)
    if similarity >= 0.92:
        return SIMILAR, "similar spelling"
    if similarity >= 0.8 and min(len(typed), len(name)) >= 4:
        return PARTLY, "partly similar spelling"
    return 0.0, ""


def swapped(day: date) -> date | None:
    """The date with day and month transposed, if that is another real date."""
    if day.day > 12 or day.day == day.month:
        return None
    try:
        return day.replace(month=day.day, day=day.month)
    except ValueError:
        return None


@dataclass(frozen=True)
class Match:
    """A person found, how well (0 to 1) and why, one reason per thing matched."""

    person_id: int
    score: float
    reasons: tuple[str, ...]


def _word_keys(word: str, *, given: bool) -> Iterator[str]:
    """The blocking keys of one name word (see the module docstring).

    Besides the prefix, sound and nickname keys, the word and each way of deleting one
    of its letters (SymSpell's deletion neighbourhood): two words one keystroke apart
    (a letter added, dropped, changed, or two swapped) always share one of these.
    """
    if len(word) >= 2:
        yield f"p:{word[:3]}"
    if len(word) >= 3 and word.isalpha():
        yield f"m:{_metaphone(word)}"
        yield f"d:{word}"
        for i in range(len(word)):
            yield f"d:{word[:i]}{word[i + 1 :]}"
    if given:
        for group in nickname_groups().get(word, ()):
            yield f"n:{group}"


_Best = tuple[float, str, str, bool]  # (score, why, name word, is a given name)


class NameIndex:
    """People by the words of their names, kept in memory, updated row by row.

    Matching works on distinct name words first (a few thousand, each compared with the
    typed word once, cached), then on the people holding each matching word, with set
    operations: a query costs about the number of people whose names match, not the
    number of people held.

    Args:
        rows: ``(id, given name, family name, date of birth)`` for each person.
    """

    def __init__(self, rows: Iterable[Row] = ()) -> None:
        self._rows: dict[int, tuple[tuple[str, ...], tuple[str, ...], date | None]] = {}
        # (word, is a given name) -> the people whose name has it
        self._people: dict[tuple[str, bool], set[int]] = defaultdict(set)
        self._words_by_key: dict[str, set[tuple[str, bool]]] = defaultdict(set)
        self._born: dict[date, set[int]] = defaultdict(set)
        for row in rows:
            self.put(row)

    def __len__(self) -> int:
        return len(self._rows)

    def put(self, row: Row) -> None:
        """Add a person, or replace what the index holds about them."""
        pk, given, family, born = row
        self.remove(pk)
        held = (tuple(words(given)), tuple(words(family)), born)
        self._rows[pk] = held
        for ws, is_given in ((held[0], True), (held[1], False)):
            for w in ws:
                entry = (w, is_given)
                if entry not in self._people:
                    for key in _word_keys(w, given=is_given):
                        self._words_by_key[key].add(entry)
                self._people[entry].add(pk)
        if born is not None:
            self._born[born].add(pk)

    def remove(self, pk: int) -> None:
        """Forget a person (no error if unknown)."""
        held = self._rows.pop(pk, None)
        if held is None:
            return
        for ws, is_given in ((held[0], True), (held[1], False)):
            for w in ws:
                people = self._people.get((w, is_given))
                if people is not None:
                    people.discard(pk)
        if held[2] is not None:
            self._born[held[2]].discard(pk)

    def ids(self) -> set[int]:
        """Every person id held."""
        return set(self._rows)

    def _word_matches(self, typed: str) -> dict[int, _Best]:
        """Each person with a name word matching ``typed``, and their best match."""
        entries: set[tuple[str, bool]] = set()
        for key in _word_keys(typed, given=True):
            entries |= self._words_by_key.get(key, set())
        scored: list[tuple[float, str, str, bool]] = []
        for w, is_given in entries:
            score, why = compare_word(typed, w, given=is_given)
            if score > 0:
                scored.append((score, why, w, is_given))
        scored.sort(key=lambda e: (-e[0], not e[3], e[2]))
        best: dict[int, _Best] = {}
        for entry in scored:
            for pk in self._people.get((entry[2], entry[3]), ()):
                best.setdefault(pk, entry)
        return best

    def search(
        self, name: str = "", born: date | None = None, *, limit: int | None = None
    ) -> list[Match]:
        """People whose name and date of birth match, best first.

        Args:
            name: The name typed: each typed word must match a word of the person's
                given or family name (at its best level).
            born: A date of birth: it must be the person's, or the same with day
                and month transposed.
            limit: The most matches returned (all if ``None``).

        Returns:
            The matches, highest score first, then by id.
        """
        typed = words(name)
        if not typed and born is None:
            return []
        per_word = [self._word_matches(t) for t in typed]
        dates: dict[int, _Best] = {}
        if born is not None:
            other = swapped(born)
            if other is not None:
                for pk in self._born.get(other, ()):
                    dates[pk] = (ONE_KEYSTROKE, "swapped", "", False)
            for pk in self._born.get(born, ()):
                dates[pk] = (EXACT, "exact", "", False)
            per_word.append(dates)
        pks = set(per_word[0])
        for more in per_word[1:]:
            pks &= more.keys()
        out: list[Match] = []
        for pk in pks:
            reasons: list[str] = []
            total = 0.0
            for t, found in zip(typed, per_word, strict=False):
                score, why, w, is_given = found[pk]
                total += score
                which = "given name" if is_given else "family name"
                reasons.append(
                    f"{which} exact" if why == "exact" else f"{which} {why} ({t} ~ {w})"
                )
            if born is not None:
                score = dates[pk][0]
                total += score
                reasons.append(
                    "date of birth exact"
                    if score == EXACT
                    else "date of birth with day and month swapped"
                )
            out.append(Match(pk, total / len(per_word), tuple(reasons)))
        out.sort(key=lambda m: (-m.score, m.person_id))
        return out if limit is None else out[:limit]
