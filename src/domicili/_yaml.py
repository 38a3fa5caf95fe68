"""PyYAML's safe loader with limits on depth and on what aliases expand to.

The safe loader builds no Python object but plain ones; it still composes nesting by
recursion (5,000 levels end in RecursionError) and shares an aliased structure
wherever it is named, so that a few lines of anchors name a billion values that the
next reader (validation, JSON) walks one by one. This loader keeps, for every node it
composes, how many values it stands for once aliases are expanded and how deep it is,
and stops at the first one over the limits. Imported only when YAML is read.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from .i18n import _

__all__ = ["LimitedLoader", "YamlLimit"]


class YamlLimit(yaml.YAMLError):
    """A document over a limit: ``problem`` says which, ``line`` where (from 1)."""

    def __init__(self, problem: str, line: int) -> None:
        super().__init__(problem)
        self.problem, self.line = problem, line


class LimitedLoader(yaml.SafeLoader):
    """``SafeLoader`` refusing nesting deeper than ``max_depth`` and documents whose
    aliases expand to more than ``max_values`` values (or into themselves)."""

    def __init__(self, stream: str, *, max_depth: int, max_values: int) -> None:
        super().__init__(stream)
        self.max_depth, self.max_values = max_depth, max_values
        self._depth = 0
        #: id(node) → (values it stands for, depth), for every node composed so far.
        self._shape: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        line = event.start_mark.line + 1
        if self.check_event(yaml.AliasEvent):
            anchor = event.anchor
            target = self.anchors.get(anchor)
            if target is not None and id(target) not in self._shape:
                raise YamlLimit(
                    _("the alias *{anchor} is inside the structure it names").format(anchor=anchor),
                    line,
                )
            return super().compose_node(parent, index)
        if self._depth >= self.max_depth:
            raise YamlLimit(
                _("it is nested more than {max_depth} levels deep").format(
                    max_depth=self.max_depth
                ),
                line,
            )
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is None:
            return None
        children: list[Node] = []
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        shapes = [self._shape[id(child)] for child in children]
        values = 1 + sum(v for v, __ in shapes)
        depth = 1 + max((d for __, d in shapes), default=0)
        if values > self.max_values:
            raise YamlLimit(
                _("its aliases expand it to more than {max_values:,} values").format(
                    max_values=self.max_values
                ),
                line,
            )
        if depth > self.max_depth:
            raise YamlLimit(
                _("its aliases nest it more than {max_depth} levels deep").format(
                    max_depth=self.max_depth
                ),
                line,
            )
        self._shape[id(node)] = (values, depth)
        return node


def _timestamp_or_text(loader: LimitedLoader, node: yaml.ScalarNode) -> Any:
    """A date or time; one that does not exist (``2022-02-30``) stays text, so that the
    field it was given for refuses it by name."""
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:
        return loader.construct_scalar(node)


def _int_or_text(loader: LimitedLoader, node: yaml.ScalarNode) -> Any:
    """An integer; one too long for Python to convert stays text (its field refuses it)."""
    try:
        return loader.construct_yaml_int(node)
    except ValueError:
        return loader.construct_scalar(node)


LimitedLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)
LimitedLoader.add_constructor("tag:yaml.org,2002:int", _int_or_text)
