"""Let ``nx.sweep(...)`` and ``nx.mqscore(...)`` work although a subpackage shares the name.

Importing ``nexus.sweep.grid`` binds the *package* ``nexus.sweep`` as the
attribute ``nexus.sweep``, shadowing the function of the same name that the
public API promises. Giving such packages a module class with ``__call__``
makes both spellings behave: the package stays importable and calling it
calls its namesake function.
"""

from __future__ import annotations

import sys
import types


class CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return getattr(self, self.__name__.rsplit(".", 1)[1])(*args, **kwargs)


def make_callable(module_name: str) -> None:
    sys.modules[module_name].__class__ = CallableModule
