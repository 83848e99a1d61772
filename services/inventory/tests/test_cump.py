"""The CUMP of a hand-written sequence of entries and exits, against hand-computed values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from inventory.cump import apres_entree, centimes, montant

# (movement, quantity, unit price of the entry) -> stock and CUMP after it, computed by hand:
#   entree 10 @ 20.00 on an empty stock          -> 10 @ 20
#   entree 10 @ 30.00: (10*20 + 10*30) / 20      -> 20 @ 25
#   sortie 5 (the CUMP does not move)            -> 15 @ 25
#   entree 5 @ 45.00: (15*25 + 5*45) / 20 = 600/20 -> 20 @ 30
#   sortie 20                                    -> 0 @ 30 (kept, nothing on hand)
#   entree 4 @ 12.50 on an empty stock           -> 4 @ 12.5
#   entree 2 @ 10.00: (4*12.5 + 2*10) / 6 = 70/6 -> 6 @ 11.6666666667 (10 places, half up)
#   entree 3 @ 0.01: (6*11.6666666667 + 3*0.01) / 9 = 70.0300000002/9 -> 9 @ 7.7811111111
SEQUENCE = [
    ("entree", 10, "20.00", 10, "20.0000000000"),
    ("entree", 10, "30.00", 20, "25.0000000000"),
    ("sortie", 5, None, 15, "25.0000000000"),
    ("entree", 5, "45.00", 20, "30.0000000000"),
    ("sortie", 20, None, 0, "30.0000000000"),
    ("entree", 4, "12.50", 4, "12.5000000000"),
    ("entree", 2, "10.00", 6, "11.6666666667"),
    ("entree", 3, "0.01", 9, "7.7811111111"),
]


def test_cump_table() -> None:
    stock, cump = 0, Decimal("0")
    for kind, quantite, prix, stock_attendu, cump_attendu in SEQUENCE:
        if kind == "entree":
            cump = apres_entree(stock, cump, quantite, Decimal(prix))
            stock += quantite
        else:
            stock -= quantite
        assert stock == stock_attendu
        assert cump == Decimal(cump_attendu), (kind, quantite, prix)


def test_display_and_amounts() -> None:
    assert str(centimes(Decimal("11.6666666667"))) == "11.67"
    assert str(centimes(Decimal("7.7811111111"))) == "7.78"
    assert str(centimes(Decimal("0.005"))) == "0.01"  # half up
    assert str(montant(3, Decimal("11.6666666667"))) == "35.00"
    assert str(montant(-2, Decimal("7.7811111111"))) == "-15.56"


def test_bad_entries() -> None:
    with pytest.raises(ValueError):
        apres_entree(5, Decimal("1"), 0, Decimal("1"))
    with pytest.raises(ValueError):
        apres_entree(-1, Decimal("1"), 1, Decimal("1"))
