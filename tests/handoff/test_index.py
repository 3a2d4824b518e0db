"""The artifact index: one file is one entry, whichever way the session names it."""
from __future__ import annotations

from handoff.index import ArtifactIndex


def test_a_path_and_a_shorter_tail_of_it_are_one_entry_in_the_shorter_name() -> None:
    index = ArtifactIndex()
    index.feed(0, "Opened /home/dana/shop/src/cart/totals.py to read it.", by_user=False)
    index.feed(1, "The bug is in src/cart/totals.py, line 40.", by_user=True)
    index.feed(2, "Also see docs/cart/totals.py and /srv/other/README.md.", by_user=False)
    index.fold_paths()
    assert "home/dana/shop/src/cart/totals.py" not in index.stats
    folded = index.stats["src/cart/totals.py"]
    assert (folded.count, folded.last, folded.by_user) == (2, 1, True)
    assert "docs/cart/totals.py" in index.stats  # another file with the same name stays
    assert "srv/other/README.md" in index.stats  # no shorter name of it: kept whole
    assert [a.value for a in index.pick(200, "")].count("src/cart/totals.py") == 1
