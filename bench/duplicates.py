"""Duplicate detection on a synthetic customer base with planted duplicates: Daur and Splink.

    PYTHONPATH=src python bench/duplicates.py [--customers 100000] [--seed 1] [--skip-splink]

The base: Indonesian and Italian customers (the demo's name pools, with middle names), e-mails
at free-mail and company domains, phones written in the formats people type. Planted in it:
- duplicates (5 % of the people get a second record, some a third): the e-mail in another case
  or with Gmail dots, the phone in another format, a typo or the words swapped in the name, a
  title added, a contact detail or the city left out, sometimes a new e-mail;
- namesakes (3 %): another person with the same name in the same city and their own contacts;
- shared company mailboxes (2 %): two to four colleagues under one info@ address and office phone.
Precision and recall are against the planted truth (namesakes and colleagues are not
duplicates). Splink runs in its own virtualenv (bench/.venv-splink/, created on first use with
`pip install splink`) on the same records with the same normalised keys and the same blocks.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT / "src"))

from daur.analytics.contact_keys import name_tokens, sound_key  # noqa: E402
from daur.analytics.duplicates import THRESHOLD, Party, duplicate_pairs, keys_of  # noqa: E402
from daur.demo.people import (  # noqa: E402
    ID_CITIES,
    ID_FIRST,
    ID_LAST,
    IT_CITIES,
    IT_FIRST,
    IT_LAST,
)

ID_MAIL = ("gmail.com", "gmail.com", "yahoo.co.id", "yahoo.com", "outlook.com")
IT_MAIL = ("gmail.com", "libero.it", "virgilio.it", "outlook.it")
TITLES = ("Ibu", "Bapak", "Dr.", "Sig.")


def _phone(rng: random.Random, italian: bool) -> str:
    """A mobile number as a person types it: with or without the country code, spaced or not."""
    if italian:
        digits = f"3{rng.randint(20, 99)}{rng.randint(0, 9_999_999):07d}"
        return _format(rng, digits, "+39", "")
    digits = f"8{rng.randint(11, 99)}{rng.randint(0, 99_999_999):08d}"
    return _format(rng, digits, "+62", "0")


def _format(rng: random.Random, digits: str, code: str, trunk: str) -> str:
    style = rng.randrange(5)
    if style == 0:
        return f"{code}{digits}"
    if style == 1:
        return f"{code} {digits[:3]} {digits[3:7]} {digits[7:]}"
    if style == 2:
        return f"{trunk}{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if style == 3:
        return f"({trunk}{digits[:3]}) {digits[3:]}"
    return f"{code[1:]}{digits}"


def _digits_of(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return word[:i] + word[i + 1 :]  # a letter left out
    if kind == 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]  # two letters swapped
    return word[:i] + rng.choice("aeiourtn") + word[i + 1 :]  # a letter mistyped


def _person(rng: random.Random, pk: int, entity: int) -> dict:
    italian = rng.random() < 0.15
    first_pool, last_pool = (IT_FIRST, IT_LAST) if italian else (ID_FIRST, ID_LAST)
    cities = IT_CITIES if italian else ID_CITIES
    words = [rng.choice(first_pool)]
    if rng.random() < (0.1 if italian else 0.45):
        words.append(rng.choice(first_pool))
    words.append(rng.choice(last_pool))
    city = rng.choices([c for c, _ in cities], [w for _, w in cities])[0]
    email = ""
    if rng.random() < 0.85:
        local = rng.choice(
            [f"{words[0]}.{words[-1]}{rng.randint(1, 9999)}", f"{words[0]}{rng.randint(1, 99999)}"]
        ).lower()
        email = f"{local}@{rng.choice(IT_MAIL if italian else ID_MAIL)}"
    phone = _phone(rng, italian) if rng.random() < 0.85 else ""
    return {"id": pk, "entity": entity, "name": " ".join(words), "email": email,
            "phone": phone, "city": city, "country": "IT" if italian else "ID"}  # fmt: skip


def _duplicate(rng: random.Random, original: dict, pk: int) -> dict:
    record = dict(original, id=pk)
    words = record["name"].split()
    change = rng.randrange(5)
    if change == 0:
        words[-1] = _typo(rng, words[-1])
    elif change == 1:
        words = [words[-1], *words[:-1]]
    elif change == 2:
        words = [rng.choice(TITLES), *words]
    elif change == 3:
        words = [w.upper() for w in words]
    record["name"] = " ".join(words)
    if record["email"]:
        roll = rng.random()
        if roll < 0.25:
            record["email"] = f"  {record['email'].upper()}"
        elif roll < 0.35 and record["email"].endswith("@gmail.com"):
            local, _, domain = record["email"].partition("@")
            record["email"] = f"{local[:2]}.{local[2:]}+shop@{domain}"
        elif roll < 0.55:
            record["email"] = ""
        elif roll < 0.65:
            record["email"] = f"new.{record['email']}"
    if record["phone"]:
        roll = rng.random()
        if roll < 0.5:
            italian = record["country"] == "IT"
            national = _digits_of(record["phone"])[-11 if not italian else -10 :]
            national = national[1:] if national.startswith("0") else national
            record["phone"] = _format(rng, national, "+39" if italian else "+62",
                                      "" if italian else "0")  # fmt: skip
        elif roll < 0.7:
            record["phone"] = ""
    if rng.random() < 0.2:
        record["city"] = ""
    return record


def synthetic_base(customers: int, seed: int) -> tuple[list[dict], set[tuple[int, int]]]:
    """The records and the planted duplicate pairs (ids, smaller first)."""
    rng = random.Random(seed)
    records: list[dict] = []
    entity = 0
    while len(records) < customers:
        roll = rng.random()
        entity += 1
        if roll < 0.05 and records:
            original = _person(rng, len(records), entity)
            records.append(original)
            for _ in range(2 if rng.random() < 0.1 else 1):
                records.append(_duplicate(rng, original, len(records)))
        elif roll < 0.08 and records:
            twin = rng.choice(records)
            namesake = _person(rng, len(records), entity)
            namesake.update(name=twin["name"], city=twin["city"], country=twin["country"])
            records.append(namesake)
        elif roll < 0.10:
            company = f"toko{entity}.co.id"
            office, city = _phone(rng, False), rng.choice(ID_CITIES)[0]
            for _ in range(rng.randint(2, 4)):
                colleague = _person(rng, len(records), -len(records))  # each their own person
                colleague.update(email=f"info@{company}", phone=office, city=city, country="ID")
                records.append(colleague)
        else:
            records.append(_person(rng, len(records), entity))
    records = records[:customers]
    by_entity: dict[int, list[int]] = {}
    for record in records:
        by_entity.setdefault(record["entity"], []).append(record["id"])
    truth = {
        (ids[i], ids[j])
        for ids in by_entity.values()
        for i in range(len(ids))
        for j in range(i + 1, len(ids))
    }
    return records, truth


def measure(found: set[tuple[int, int]], truth: set[tuple[int, int]]) -> dict:
    hits = len(found & truth)
    return {
        "pairs": len(found),
        "precision": hits / len(found) if found else 1.0,
        "recall": hits / len(truth) if truth else 1.0,
    }


def run_daur(records: list[dict]) -> tuple[set[tuple[int, int]], dict]:
    started = time.perf_counter()
    keys = [
        keys_of(
            Party(
                key=r["id"],
                name=r["name"],
                email=r["email"],
                phone=r["phone"],
                city=r["city"],
                country=r["country"],
            ),
            default_country="ID",
        )  # fmt: skip
        for r in records
    ]
    keyed = time.perf_counter()
    pairs = duplicate_pairs(keys, threshold=THRESHOLD)
    done = time.perf_counter()
    found = {(min(p.a, p.b), max(p.a, p.b)) for p in pairs}
    return found, {"keys_s": keyed - started, "pairs_s": done - keyed, "keys": keys}


def splink_python(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit)
    venv = BENCH / ".venv-splink"
    python = venv / "bin" / "python"
    if not python.exists():
        print(f"creating {venv.relative_to(ROOT)} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        done = subprocess.run([str(python), "-m", "pip", "install", "-q", "splink"])
        if done.returncode != 0:
            print("splink: pip install failed")
            return None
    return python


def run_splink(python: Path, keys: list) -> tuple[set[tuple[int, int]], dict] | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "customers.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["unique_id", "name", "email", "phone", "city", "name_key", "initials"])
            for k in keys:
                writer.writerow([
                    k.party.key, " ".join(k.tokens), k.email, k.phone, k.city,
                    " ".join(sorted(sound_key(t) for t in k.tokens)),
                    "".join(sorted(t[0] for t in k.tokens)),
                ])  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(
            [str(python), str(BENCH / "peers" / "splink_peer.py"), str(path), str(THRESHOLD)],
            capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        wall = time.perf_counter() - started
    if done.returncode != 0:
        print("splink failed:\n" + done.stderr[-3000:])
        return None
    result = json.loads(done.stdout.strip().splitlines()[-1])
    found = {(min(a, b), max(a, b)) for a, b in result.pop("pairs")}
    return found, {**result, "process_s": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--splink-python", help="a python with splink installed")
    args = parser.parse_args()
    assert name_tokens("x")  # the package is importable from src
    records, truth = synthetic_base(args.customers, args.seed)
    print(f"{len(records):,} customers, {len(truth):,} planted duplicate pairs (seed {args.seed})")
    found, timing = run_daur(records)
    quality = measure(found, truth)
    total = timing["keys_s"] + timing["pairs_s"]
    print(
        f"daur:   precision {quality['precision']:.3f}, recall {quality['recall']:.3f} "
        f"({quality['pairs']:,} pairs); keys {timing['keys_s']:.2f} s + pairs "
        f"{timing['pairs_s']:.2f} s = {total:.2f} s, {len(records) / total:,.0f} customers/s"
    )
    if args.skip_splink:
        return
    python = splink_python(args.splink_python)
    outcome = run_splink(python, timing["keys"]) if python else None
    if outcome is None:
        return
    found, timing = outcome
    quality = measure(found, truth)
    print(
        f"splink: precision {quality['precision']:.3f}, recall {quality['recall']:.3f} "
        f"({quality['pairs']:,} pairs); load {timing['load_s']:.2f} s, train "
        f"{timing['train_s']:.2f} s, predict {timing['predict_s']:.2f} s; whole process "
        f"{timing['process_s']:.2f} s (same keys, computed by Daur beforehand)"
    )


if __name__ == "__main__":
    main()
