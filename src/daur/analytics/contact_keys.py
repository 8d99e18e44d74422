"""Normalised contact details and name keys: what two records of one person have in common.

E-mail: trimmed and lower-cased; for Gmail (gmail.com, googlemail.com) the dots and a "+tag" in
the local part are dropped too, since Gmail delivers those to one mailbox. Phone: E.164 through
the `phonenumbers` library, a national number read in the record's country (ISO 3166 alpha-2)
or else the business's default country. Names: accents, punctuation, titles and company forms
removed, tokens sorted, so "Ibu Sri Wahyuni" and "WAHYUNI, Sri" read the same.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers

GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})
# Titles and legal forms say nothing about who a record is.
NAME_NOISE = frozenset(
    {
        "bapak", "bpk", "pak", "ibu", "bu", "sdr", "sdri", "mr", "mrs", "ms", "miss", "dr", "ir",
        "h", "hj", "sig", "sigra", "signor", "signora", "dott", "dottssa", "ing", "avv",
        "pt", "cv", "tbk", "ud", "srl", "spa", "snc", "sas", "ltd", "inc", "llc", "co",
    }
)  # fmt: skip
_NOT_WORD = re.compile(r"[^\w]+")
_DIGITS = re.compile(r"\d")
_VOWELS_AFTER_FIRST = re.compile(r"(?<=.)[aeiouyhw]")
# Letters that sound alike in the names of the base (Indonesian, Italian, English spellings).
_SOUND_ALIKE = str.maketrans({"c": "k", "q": "k", "z": "s", "v": "f", "j": "y", "d": "t"})


def email_normalised(raw: str) -> str:
    """An e-mail address as Daur keeps it: trimmed and in lower case (mail servers treat the
    address without regard to case; one spelling lets a duplicate be found)."""
    return raw.strip().lower()


def email_key(email: str) -> str:
    """The mailbox an address reaches, or "" for none.

    "Adi.Putra+x@GMail.com " -> "adiputra@gmail.com"; "Info@Toko.id" -> "info@toko.id".
    """
    address = email_normalised(email)
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return ""
    if domain in GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


def email_domain(email_normalised: str) -> str:
    return email_normalised.rpartition("@")[2]


@lru_cache(maxsize=512)
def _region(country: str, default_country: str) -> str:
    code = country.strip().upper()
    if len(code) == 2 and phonenumbers.country_code_for_region(code):
        return code
    return default_country.upper()


def phone_parsed(phone: str, region: str) -> phonenumbers.PhoneNumber | None:
    """The number written, one without its +country code read as a number of `region`; None
    when it cannot be read as a phone number at all."""
    try:
        return phonenumbers.parse(phone, region or None)
    except phonenumbers.NumberParseException:
        return None


def e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_key(phone: str, *, country: str = "", default_country: str = "ID") -> str:
    """The number in E.164 ("+6281234567890"), or "" when it is not a possible phone number."""
    if len(_DIGITS.findall(phone)) < 6:
        return ""
    number = phone_parsed(phone, _region(country, default_country))
    if number is None or not phonenumbers.is_possible_number(number):
        return ""
    return e164(number)


def name_tokens(name: str) -> tuple[str, ...]:
    """The words of a name without accents, case, punctuation, titles or legal forms, sorted."""
    plain = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    words = [w for w in _NOT_WORD.split(plain.replace("_", " ")) if w]
    kept = [w for w in words if w not in NAME_NOISE] or words
    return tuple(sorted(kept))


def name_text(tokens: tuple[str, ...]) -> str:
    return " ".join(tokens)


def sound_key(token: str) -> str:
    """A token's consonant skeleton (first letter kept, like Soundex): "santoso" and "sentosa"
    both give "snts", so a typo in a vowel lands in the same block."""
    if not token:
        return ""
    skeleton = _VOWELS_AFTER_FIRST.sub("", token.translate(_SOUND_ALIKE))
    squeezed = [skeleton[0]]
    for ch in skeleton[1:]:
        if ch != squeezed[-1]:
            squeezed.append(ch)
    return "".join(squeezed)[:4]


def name_block_keys(tokens: tuple[str, ...], city: str) -> tuple[str, ...]:
    """The name blocks a record falls in: the sound keys of its words (any typo in a vowel or a
    doubled letter keeps it there), and the initials of its words in its city (a typo in a
    consonant keeps it there)."""
    if not tokens:
        return ()
    sounds = " ".join(sorted(sound_key(t) for t in tokens))
    initials = "".join(sorted(t[0] for t in tokens))
    place = " ".join(name_tokens(city))
    keys = [f"name:{sounds}"]
    if len(tokens) > 1 or place:
        keys.append(f"initials:{initials}|{place}")
    return tuple(keys)
