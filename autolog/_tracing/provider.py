"""What every provider's ``autolog()`` does: take its options, and patch its SDK's methods when
the SDK is imported (now, if it already is), unless the installed SDK is older than the oldest
release the package supports."""
from __future__ import annotations

import logging
import sys
from typing import Any, Callable

from .call import make_wrapper
from .._config import configure, forget, make_options
from .kinds import Kind
from .patching import ClassFactory, Target, patch_factories, patch_targets, when_imported, withdraw
from .._mlflow import hooks as _mlflow_hooks
from .._mlflow.compat import check as check_mlflow
from .spans import remember_failed_imports
from .streams import closing_wrapper

_logger = logging.getLogger("autolog")


def _release(text: str) -> tuple[int, ...]:
    """The leading numbers of a version string: '1.0.0rc1' -> (1, 0, 0)."""
    parts = []
    for piece in text.split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) != len(piece):
            break
    return tuple(parts)


def installed_version(distribution: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _under(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


class ProviderPatches:
    """``sdk``: the SDK's import name, or its import names where it comes in several packages
    (botocore and aiobotocore) or moved between releases (``("mistralai.client", "mistralai")``:
    a namespace package's own import fires no hook). Each is hooked; whichever is imported patches
    the targets under the names imported by then."""

    def __init__(self, name: str, targets: list[Target], kinds: Callable[[], dict[str, Kind]],
                 sdk: str | tuple[str, ...] | None = None, *, distribution: str | None = None,
                 floor: tuple[int, ...] | None = None, factories: list[ClassFactory] = ()) -> None:
        self.name = name  # the provider's name, which its options are kept under
        # the SDK's import name; several where one SDK comes in more than one package (botocore and
        # aiobotocore): each is patched when it is imported, and none is imported by the package
        self.sdks = (sdk,) if isinstance(sdk, str) else tuple(sdk or (name,))
        self.sdk = self.sdks[0]
        self.distribution = distribution or self.sdk  # the SDK's name on PyPI, for its version
        self.floor = floor  # the oldest release tested (pyproject.toml's extra says the same)
        self.targets = targets
        self.factories = list(factories)  # where the SDK makes the classes to patch at run time
        self.kinds = kinds  # reads the SDK's classes, so it runs once the SDK is imported
        self._said_too_old = False

    def autolog(self, **options: Any) -> None:
        settings = make_options(**options)
        check_mlflow()
        configure(self.name, settings)
        if settings.disable:
            self.revert()
        else:
            for sdk in self.sdks:
                when_imported(sdk, self.name, self._patch)

    def revert(self) -> None:
        withdraw(self.name, self.sdks)
        forget(self.name)

    def supported(self) -> bool:
        """False (said once, as a warning) for an SDK older than the floor: its classes may not be
        what the patches expect, so it is left as it is rather than traced wrong."""
        if self.floor is None:
            return True
        version = installed_version(self.distribution)
        if version is None or _release(version) >= self.floor:
            return True
        if not self._said_too_old:
            self._said_too_old = True
            _logger.warning(
                "autolog: %s %s is older than the oldest release this package supports (%s); its calls are not "
                "traced. Upgrade it: pip install '%s>=%s'.",
                self.distribution, version, ".".join(map(str, self.floor)), self.distribution,
                ".".join(map(str, self.floor)),
            )
        return False

    def make_wrapper(self, kinds: dict[str, Kind]) -> Callable[[Target, bool], Callable]:
        def wrapper_for(target: Target, is_async: bool) -> Callable:
            if target.closes is not None:
                return closing_wrapper(target.closes, is_async=is_async)
            return make_wrapper(kinds[target.kind], target.method, is_async=is_async, deferred=target.deferred,
                                child=target.child, prepares=target.prepares)

        return wrapper_for

    def _patch(self) -> None:
        if not self.supported():
            return
        remember_failed_imports()
        _mlflow_hooks.install()
        imported = tuple(sdk for sdk in self.sdks if sdk in sys.modules)
        make_wrapper = self.make_wrapper(self.kinds())
        patch_targets([t for t in self.targets if _under(t.module, imported)], make_wrapper)
        patch_factories(self.name, [f for f in self.factories if _under(f.module, imported)], make_wrapper)
