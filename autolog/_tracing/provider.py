"""What every provider's ``autolog()`` does: take its options, and patch its SDK's methods when
the SDK is imported (now, if it already is)."""
from __future__ import annotations

from typing import Any, Callable

from .call import make_wrapper
from .._config import configure, make_options
from .kinds import Kind
from .patching import Target, patch_targets, when_imported, withdraw
from .._mlflow import hooks as _mlflow_hooks
from .._mlflow.compat import check as check_mlflow
from .spans import remember_failed_imports


class ProviderPatches:
    def __init__(self, name: str, targets: list[Target], kinds: Callable[[], dict[str, Kind]],
                 sdk: str | None = None) -> None:
        self.name = name  # the provider's name, which its options are kept under
        self.sdk = sdk or name  # the SDK's import name
        self.targets = targets
        self.kinds = kinds  # reads the SDK's classes, so it runs once the SDK is imported

    def autolog(self, **options: Any) -> None:
        settings = make_options(**options)
        check_mlflow()
        configure(self.name, settings)
        if settings.disable:
            self.revert()
        else:
            when_imported(self.sdk, self.name, self._patch)

    def revert(self) -> None:
        withdraw(self.name, self.sdk)

    def _patch(self) -> None:
        remember_failed_imports()
        _mlflow_hooks.install()
        kinds = self.kinds()
        patch_targets(
            self.targets,
            lambda target, is_async: make_wrapper(
                kinds[target.kind], target.method, is_async=is_async, deferred=target.deferred, child=target.child
            ),
        )
