"""What MySQL and MariaDB do by themselves, mirrored by the catalog and the inverter.

``catalog.apply`` and ``inverse.invert`` take these handlers over the generic ones when the
catalog's dialect is ``mysql``. Checked on MariaDB 10.11; MySQL 8 documents the same:

- Index names are per table: an index is keyed ``QName(<table>, <index>)`` (``index_key``).
- A foreign key on columns no index starts with gets an index of its own, named like the
  key ("implicit"). Dropping the key leaves it. Creating another index (or primary key) that
  starts with its columns drops it silently; renaming it makes it an ordinary index.
- DROP COLUMN takes the column out of every index and the primary key; an index left
  without columns goes.
- MODIFY / CHANGE restate the whole column, so every column change is undone by restating
  the column as it was (``ReplaceColumn``).

The catalog's handlers are in ``apply``, the inverter's in ``invert``; the index rules both
follow in ``indexes``, generated foreign key names in ``fk_names``.
"""

from __future__ import annotations

from prisma_down.core.dialects.mysql.apply import APPLY
from prisma_down.core.dialects.mysql.indexes import index_key
from prisma_down.core.dialects.mysql.invert import INVERT

__all__ = ["APPLY", "INVERT", "index_key"]
