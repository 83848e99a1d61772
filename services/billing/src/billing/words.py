"""Amounts in French words, as written on an invoice ("arrêtée la présente facture à la
somme de ..."); pure. Traditional spelling: hyphens inside numbers below one hundred,
"et" in 21, 31, ... 71, "quatre-vingts" and "cents" plural only when final, "mille"
invariable, "million(s)"/"milliard(s)" as nouns."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

_UNITS = [
    "zéro", "un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf", "dix",
    "onze", "douze", "treize", "quatorze", "quinze", "seize", "dix-sept", "dix-huit",
    "dix-neuf",
]  # fmt: skip
_TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def _below_100(n: int, final: bool) -> str:
    if n < 20:
        return _UNITS[n]
    tens, unit = divmod(n, 10)
    if tens in (7, 9):
        base = "soixante" if tens == 7 else "quatre-vingt"
        rest = 10 + unit
        if rest == 11 and tens == 7:
            return "soixante et onze"
        return f"{base}-{_UNITS[rest]}"
    if tens == 8:
        return (
            "quatre-vingts"
            if unit == 0 and final
            else ("quatre-vingt" if unit == 0 else f"quatre-vingt-{_UNITS[unit]}")
        )
    word = _TENS[tens]
    if unit == 0:
        return word
    if unit == 1:
        return f"{word} et un"
    return f"{word}-{_UNITS[unit]}"


def _below_1000(n: int, final: bool) -> str:
    hundreds, rest = divmod(n, 100)
    parts: list[str] = []
    if hundreds:
        if hundreds == 1:
            parts.append("cent")
        else:
            parts.append(f"{_UNITS[hundreds]} cent" + ("s" if rest == 0 and final else ""))
    if rest or not hundreds:
        parts.append(_below_100(rest, final))
    return " ".join(parts)


def nombre_en_lettres(n: int) -> str:
    """A non-negative integer in French words."""
    if n < 0:
        raise ValueError("negative")
    if n == 0:
        return "zéro"
    parts: list[str] = []
    for size, singular in ((10**9, "milliard"), (10**6, "million")):
        count, n = divmod(n, size)
        if count:
            parts.append(f"{_below_1000(count, True)} {singular}" + ("s" if count > 1 else ""))
    thousands, n = divmod(n, 1000)
    if thousands:
        parts.append("mille" if thousands == 1 else f"{_below_1000(thousands, False)} mille")
    if n:
        parts.append(_below_1000(n, True))
    return " ".join(parts)


def montant_en_lettres(amount: Decimal, devise: str = "dirham", centime: str = "centime") -> str:
    """`1234.50` -> "mille deux cent trente-quatre dirhams et cinquante centimes"."""
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "moins " if amount < 0 else ""
    whole, cents = divmod(int(abs(amount) * 100), 100)
    text = f"{nombre_en_lettres(whole)} {devise}" + ("s" if whole > 1 else "")
    if whole and whole % 10**6 == 0:
        text = f"{nombre_en_lettres(whole)} de {devise}s"
    if cents:
        text += f" et {nombre_en_lettres(cents)} {centime}" + ("s" if cents > 1 else "")
    return sign + text
