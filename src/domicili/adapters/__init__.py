"""Built-in adapters, registered through entry points like third-party ones.

Each group holds factories; the typed loaders below build the adapter an install names
in its settings, once, and check that it offers what its port in :mod:`domicili.ports`
declares, so that a plugin that does not fit is one sentence when domicili starts
rather than an ``AttributeError`` in the middle of a use case.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..einvoicing import EInvoicing, EInvoicingFactory
from ..errors import ConfigError
from ..i18n import N_, _
from ..ports import (
    Notifier,
    NotifierFactory,
    PaymentGateway,
    PaymentGatewayFactory,
    SignatureMethod,
    SignatureMethodFactory,
)

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from ..config import EInvoicingSettings, PaymentSettings, SignatureSettings

__all__ = [
    "GROUPS",
    "installed",
    "load_adapter",
    "load_einvoicing",
    "load_notifier",
    "load_payment_gateway",
    "load_signature_method",
]

#: Entry-point group → (the module of its built-in adapters, what one adapter is called).
GROUPS: dict[str, tuple[str, str]] = {
    "domicili.notifiers": ("notifiers", N_("notifier")),
    "domicili.payments": ("payments", N_("payment gateway")),
    "domicili.signatures": ("signatures", N_("signature method")),
    "domicili.einvoicing": ("einvoicing", N_("e-invoicing adapter")),
}

#: What several adapters of a group are called, in a list of the installed ones.
_PLURALS: dict[str, str] = {
    "domicili.notifiers": N_("notifiers"),
    "domicili.payments": N_("payment gateways"),
    "domicili.signatures": N_("signature methods"),
    "domicili.einvoicing": N_("e-invoicing adapters"),
}


@functools.cache
def _entry_points() -> dict[str, tuple[EntryPoint, ...]]:
    # One scan of the installed packages serves every group. The scan (and importing
    # importlib.metadata) costs more than the rest of a command's start-up: it runs
    # only for a name that is not a built-in one.
    from importlib.metadata import entry_points

    found = entry_points()
    return {group: tuple(found.select(group=group)) for group in GROUPS}


def installed(group: str) -> dict[str, EntryPoint]:
    """The entry points installed packages register in ``group``, by name."""
    return {ep.name: ep for ep in _entry_points().get(group, ())}


def load_adapter(group: str, name: str) -> object:
    """The class (or factory) registered as ``name`` in the entry-point ``group``.

    A built-in name (``outbox``, ``checkout``, ``otp``…) is domicili's own adapter,
    found without scanning the installed packages; any other name is looked up among
    their entry points, so a package adds adapters under names of its own (it cannot
    take over a built-in name in an install that relies on it).
    """
    module, kind = GROUPS.get(group, ("", N_("adapter")))
    builtin: dict[str, object] = import_module(f"{__name__}.{module}").BUILTIN if module else {}
    if name in builtin:
        return builtin[name]
    found = installed(group)
    if name in found:
        loaded: object = found[name].load()
        return loaded
    known = ", ".join(sorted(set(found) | set(builtin))) or _("none")
    raise ConfigError(
        _("Unknown {kind} {name}; installed {kinds}: {known}.").format(
            kind=_(kind), name=repr(name), kinds=_(_PLURALS.get(group, kind)), known=known
        )
    )


def _members(port: type) -> list[str]:
    """The attributes and methods a Protocol declares, in their order."""
    declared = [n for n, v in vars(port).items() if not n.startswith("_") and callable(v)]
    return [*getattr(port, "__annotations__", {}), *declared]


def _unfit(value: object, port: type, kind: str, name: str, group: str = "") -> ConfigError:
    """The sentence for an adapter that lacks members of its ``port``, naming them
    (``group``: the entry-point group of a factory that does not fit)."""
    missing = ", ".join(m for m in _members(port) if getattr(value, m, None) is None)
    fields = {"kind": _(kind), "name": repr(name), "port": port.__name__, "missing": missing}
    if group:
        sentence = _(
            "The {kind} {name} registered in {group} does not implement {port}: "
            "it has no {missing}."
        )
        return ConfigError(sentence.format(group=group, **fields))
    return ConfigError(
        _("The {kind} {name} does not implement {port}: it has no {missing}.").format(**fields)
    )


#: Entry-point group → the port of what it holds, and the settings its factories read.
FACTORIES: dict[str, tuple[type, str]] = {
    "domicili.notifiers": (NotifierFactory, N_("the [notifications.options] settings")),
    "domicili.payments": (PaymentGatewayFactory, N_("the [payment] settings")),
    "domicili.signatures": (SignatureMethodFactory, N_("the [signature] settings")),
    "domicili.einvoicing": (EInvoicingFactory, N_("the [einvoicing] settings")),
}


def _build(group: str, name: str, build: Callable[[Any], object], port: type) -> object:
    """The adapter ``build(factory)`` makes from the factory registered as ``name``,
    once both are checked against their ports."""
    kind = GROUPS[group][1]
    factory_port, section = FACTORIES[group]
    factory = load_adapter(group, name)
    if not isinstance(factory, factory_port):
        raise _unfit(factory, factory_port, kind, name, group)
    try:
        adapter = build(factory)
    except TypeError as exc:  # a factory that takes other settings than these
        raise ConfigError(
            _("{section} do not suit the {name} {kind}: {exc}.").format(
                section=_(section), name=repr(name), kind=_(kind), exc=exc
            )
        ) from None
    if not isinstance(adapter, port):
        raise _unfit(adapter, port, kind, name)
    return adapter


def load_notifier(name: str, options: dict[str, object], *, outbox_dir: Path) -> Notifier:
    """The notifier registered as ``name`` in ``domicili.notifiers``, built from ``options``."""
    notifier = _build(
        "domicili.notifiers",
        name,
        lambda factory: factory.from_config(dict(options), outbox_dir=outbox_dir),
        Notifier,
    )
    return cast(Notifier, notifier)


def load_payment_gateway(settings: PaymentSettings) -> PaymentGateway:
    """The gateway named by ``[payment] gateway``, built from the ``[payment]`` settings."""
    group, name = "domicili.payments", settings.gateway
    return cast(PaymentGateway, _build(group, name, _from_config(settings), PaymentGateway))


def load_signature_method(settings: SignatureSettings) -> SignatureMethod:
    """The method named by ``[signature] method``, built from the ``[signature]`` settings."""
    group, name = "domicili.signatures", settings.method
    return cast(SignatureMethod, _build(group, name, _from_config(settings), SignatureMethod))


def load_einvoicing(settings: EInvoicingSettings) -> EInvoicing | None:
    """The adapter named by ``[einvoicing] adapter``, built from the ``[einvoicing]``
    settings; None when it is ``none`` (issued invoices stay in domicili)."""
    if settings.adapter == "none":
        return None
    group, name = "domicili.einvoicing", settings.adapter
    return cast(EInvoicing, _build(group, name, _from_config(settings), EInvoicing))


def _from_config(settings: object) -> Callable[[Any], object]:
    """What builds an adapter from a factory taking one settings section."""
    return lambda factory: factory.from_config(settings)
