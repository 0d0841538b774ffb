# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The DOM walk of `cleaner.extract.dom.walk`, compiled: it reads libxml2's tree through lxml's public C API.

It must give exactly the `Walk` the Python walk gives (tests/test_compiled_walk.py): the same loop, with
libxml2's nodes in place of lxml's element proxies. An element's ``.text``/``.tail`` is the run of text
nodes lxml joins (`_text_run`), an attribute is read as ``get`` reads it (`_attribute`), and the rare
elements (the head, ``<meta>``, ``<time>``, itemprop, section subheadings) go to the Python helpers
with an lxml proxy, so each of those rules lives in one place.
"""

from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport memset, strcmp, strlen
from lxml.includes cimport tree
from lxml.includes.etreepublic cimport _Document, _Element, elementFactory, import_lxml__etree

import_lxml__etree()

from cleaner.extract import dom

cdef int INLINE = dom._INLINE
cdef int LINK = dom._LINK
cdef int SPAN = dom._SPAN
cdef int META = dom._META
cdef int SKIP = dom._SKIP
cdef int IGNORE = dom._IGNORE
cdef int BLOCK = dom._BLOCK
cdef int SUBHEADING = dom._SUBHEADING
cdef int VOID = dom._VOID
cdef int ATTR_BLOCK = dom._ATTR_BLOCK
cdef int CONTAINER = dom._CONTAINER


cdef inline bint _is_element(tree.xmlNode* node) noexcept:
    """lxml's `_isElement`: the nodes `iterwalk` yields."""
    return (
        node.type == tree.XML_ELEMENT_NODE
        or node.type == tree.XML_COMMENT_NODE
        or node.type == tree.XML_ENTITY_REF_NODE
        or node.type == tree.XML_PI_NODE
    )


cdef inline tree.xmlNode* _next_element(tree.xmlNode* node) noexcept:
    while node is not NULL and not _is_element(node):
        node = node.next
    return node


cdef inline tree.xmlNode* _text_node(tree.xmlNode* node) noexcept:
    """lxml's `_textNodeOrSkip`: this text node, NULL at any other node (XInclude markers are skipped)."""
    while node is not NULL:
        if node.type == tree.XML_TEXT_NODE or node.type == tree.XML_CDATA_SECTION_NODE:
            return node
        if node.type == tree.XML_XINCLUDE_START or node.type == tree.XML_XINCLUDE_END:
            node = node.next
        else:
            return NULL
    return NULL


cdef inline str _decode(const char* text):
    return PyUnicode_DecodeUTF8(text, strlen(text), NULL)


cdef str _text_run(tree.xmlNode* node):
    """The text of the run of text nodes starting at `node`, as lxml's ``.text``/``.tail`` give it; None
    where lxml gives None or an empty string (the walk skips both)."""
    node = _text_node(node)
    if node is NULL:
        return None
    cdef tree.xmlNode* following = _text_node(node.next)
    if following is NULL:
        return _decode(<const char*>node.content) if node.content is not NULL and node.content[0] != 0 else None
    parts = []
    while node is not NULL:
        if node.content is not NULL:
            parts.append(<bytes>(<const char*>node.content))
        node = _text_node(node.next)
    joined = b"".join(parts)
    return joined.decode("utf-8") if joined else None


cdef object _attribute(tree.xmlNode* node, const char* name, _Document doc):
    """The no-namespace attribute `name`, as lxml's ``get`` reads it (None if absent)."""
    cdef tree.xmlAttr* attr = node.properties
    while attr is not NULL:
        if attr.ns is NULL and strcmp(<const char*>attr.name, name) == 0:
            child = attr.children
            if child is NULL:
                return ""
            if child.next is NULL and (child.type == tree.XML_TEXT_NODE or child.type == tree.XML_CDATA_SECTION_NODE):
                return _decode(<const char*>child.content) if child.content is not NULL else ""
            return elementFactory(doc, node).get(_decode(name))
        attr = attr.next
    return None


cdef str _tag(tree.xmlNode* node):
    """lxml's ``tag`` of an element: its name, ``{href}name`` in a namespace."""
    name = _decode(<const char*>node.name)
    if node.ns is not NULL and node.ns.href is not NULL:
        return "{" + _decode(<const char*>node.ns.href) + "}" + name
    return name


cdef void _end_block(list buffer, list raws, tuple owner, int link_chars, int anchors):
    """`dom._end_block`: the text gathered in `buffer` becomes one raw block of `owner`'s; `buffer` is emptied."""
    cdef str text = buffer[0] if len(buffer) == 1 else "".join(buffer)
    del buffer[:]
    if not text.isspace():
        text = " ".join(text.split())
        if text:
            raws.append((text, owner, min(link_chars, len(text)), anchors))


cdef enum:
    NAMES = 256  # slots of the per-walk cache of element names (`_TagCache`)


cdef struct _TagCache:
    # element name (libxml2 interns them: one pointer per name in a page) -> its kind and its index in `tags`
    const tree.xmlChar* names[NAMES]
    int kinds[NAMES]
    int tags[NAMES]


def walk_root(_Element root, found):
    """Walk `root` (the parsed page) into `found`, a `dom.Walk`, as `dom.walk_python` does."""
    cdef _Document doc = root._doc
    cdef tree.xmlNode* top = root._c_node
    cdef tree.xmlNode* node = top
    cdef tree.xmlNode* child
    cdef bint descend
    cdef int kind, depth = 0, max_depth = 0, serial = 0, links = 0, anchors = 0, link_chars = 0
    cdef list open_kinds = []
    kinds = dom._kinds()
    pre_lines = dom._pre_lines
    read_meta = dom._read_meta
    read_itemprop = dom._read_itemprop
    section_tokens = dom.section_tokens
    attrs_of = dom._attrs_of
    attrs_memo = dom._ATTRS
    tag_tokens = dom.TAG_TOKENS
    context_tags = dom._CONTEXT_TAGS
    headings = dom.HEADINGS
    list_items = dom.LIST_ITEMS
    cells = dom.CELLS
    groups = dom.GROUPS
    owner = dom._ROOT
    cdef list owners = [owner]
    cdef list buffer = []
    cdef list raws = found.raws
    cdef dict candidates = found.candidates
    cdef dict parents = found.parents
    cdef str text
    cdef str tag
    cdef _TagCache cache
    cdef size_t slot
    cdef list tags = []
    memset(&cache, 0, sizeof(cache))

    while True:
        # start event of `node`
        descend = True
        if node.type == tree.XML_ELEMENT_NODE:
            if node.ns is not NULL:
                tag = _tag(node)
                kind = kinds.get(tag, INLINE)
            else:
                slot = (<size_t>node.name >> 3) % NAMES
                while cache.names[slot] is not NULL and cache.names[slot] != node.name:
                    slot = (slot + 1) % NAMES
                if cache.names[slot] is NULL and len(tags) < NAMES // 2:
                    tag = _tag(node)
                    cache.names[slot] = node.name
                    cache.kinds[slot] = kinds.get(tag, INLINE)
                    cache.tags[slot] = len(tags)
                    tags.append(tag)
                if cache.names[slot] is NULL:
                    tag = _tag(node)
                    kind = kinds.get(tag, INLINE)
                else:
                    kind = cache.kinds[slot]
                    tag = tags[cache.tags[slot]]
        else:
            tag = None
            kind = IGNORE
        owners.append(owner)
        open_kinds.append(kind)
        depth += 1
        text = None
        if kind == IGNORE:
            descend = False
        else:
            if depth > max_depth:
                max_depth = depth
            if kind < BLOCK:
                if kind == LINK:
                    links += 1
                    anchors += 1
                    itemprop = _attribute(node, b"itemprop", doc)
                    if itemprop:
                        read_itemprop(elementFactory(doc, node), itemprop, found)
                    text = _text_run(node.children)
                elif kind == SKIP:
                    proxy = None
                    if tag == "head":
                        proxy = elementFactory(doc, node)
                        for element in proxy.iter("meta", "title", "script"):
                            read_meta(element, element.tag, found)
                    elif tag == "script":
                        read_meta(elementFactory(doc, node), tag, found)
                    descend = False
                elif kind == META:
                    read_meta(elementFactory(doc, node), tag, found)
                    text = _text_run(node.children)
                elif kind == SPAN:
                    itemprop = _attribute(node, b"itemprop", doc)
                    if itemprop:
                        read_itemprop(elementFactory(doc, node), itemprop, found)
                    text = _text_run(node.children)
                else:
                    text = _text_run(node.children)
            else:
                if buffer:
                    _end_block(buffer, raws, owner, link_chars, anchors)
                    link_chars = anchors = 0
                serial += 1
                parent = owner
                if kind != VOID:  # a void element ends a block and holds no text: no frame of its own
                    if kind == SUBHEADING:
                        section = section_tokens(elementFactory(doc, node))
                        if section:
                            parent = (
                                parent[0],
                                parent[1],
                                parent[2],
                                parent[3],
                                parent[4] + tuple([(depth, t, serial) for t in section]),
                                parent[5],
                            )
                            owner = parent
                            owners[len(owners) - 1] = parent
                            candidates[serial] = (depth, False, False)
                            parents[serial] = parent[5]
                    tokens = parent[4]
                    counted = parent[5]
                    if kind >= ATTR_BLOCK:
                        value = None
                        named = carries = False
                        if node.properties is not NULL:
                            value = _attribute(node, b"class", doc)
                            ident = _attribute(node, b"id", doc)
                            role = _attribute(node, b"role", doc)
                            if ident is not None or role is not None:
                                value = " ".join(filter(None, (value, ident, role)))
                            if value:
                                known = attrs_memo.get(value) or attrs_of(value)
                                new, named = known
                                if new:
                                    tokens = tokens + tuple([(depth, t, serial) for t in new])
                                    carries = True
                        if tag in tag_tokens:
                            tokens = tokens + ((depth, tag_tokens[tag], serial),)
                            carries = True
                        if node.properties is not NULL:
                            itemprop = _attribute(node, b"itemprop", doc)
                            if itemprop:
                                named = named or itemprop == "articleBody"
                                read_itemprop(elementFactory(doc, node), itemprop, found)
                        container = kind == CONTAINER
                        if container or carries:
                            parents[serial] = counted
                            counted = serial
                            candidates[serial] = (depth, named or tag == "article" or tag == "main", container)
                    context = parent[3]
                    if tag in context_tags:
                        heading, in_list, in_table, group = context
                        context = (
                            headings.get(tag, heading),
                            in_list or tag in list_items,
                            in_table or tag in cells,
                            serial if tag in groups else group,
                        )
                    owner = (depth, tag, serial, context, tokens, counted)
                    text = _text_run(node.children)
        if text:
            if "\n" in text and owner[1] == "pre":
                link_chars, anchors = pre_lines(text, buffer, raws, owner, link_chars, anchors)
            else:
                buffer.append(text)
            if links:
                link_chars += len(text.strip())
        # the next start event, after the end events of the elements it closes
        child = _next_element(node.children) if descend else NULL
        if child is not NULL:
            node = child
            continue
        while True:
            # end event of `node`
            kind = open_kinds.pop()
            if kind >= BLOCK:
                if buffer:
                    _end_block(buffer, raws, owner, link_chars, anchors)
                    link_chars = anchors = 0
            elif kind == LINK:
                links -= 1
            owner = owners.pop()
            depth -= 1
            if kind != IGNORE:
                text = _text_run(node.next)
                if text:
                    if "\n" in text and owner[1] == "pre":
                        link_chars, anchors = pre_lines(text, buffer, raws, owner, link_chars, anchors)
                    else:
                        buffer.append(text)
                    if links:
                        link_chars += len(text.strip())
            if node is top:
                break
            child = _next_element(node.next)
            if child is not NULL:
                node = child
                break
            node = node.parent
        if node is top and not open_kinds:
            break
    if buffer:
        _end_block(buffer, raws, owner, link_chars, anchors)
    found.max_depth = max_depth


cdef extern from "Python.h":
    int PyObject_GenericSetAttr(object target, object name, object value) except -1


cdef tuple _BLOCK_FIELDS = ("index", "line", "text", "markup")
cdef tuple _MARKUP_FIELDS = ("tag", "heading", "in_list", "in_table", "depth", "link_density", "group", "tokens", "in_article")
_new = object.__new__


cdef object _frozen(type cls, tuple names, tuple values):
    """An instance of the frozen, slotted dataclass `cls` (`Block`, `Markup`), its fields set as its own
    ``__init__`` sets them (``object.__setattr__``) without running Python code; `values` has every field."""
    instance = _new(cls)
    cdef Py_ssize_t k
    for k in range(len(names)):
        PyObject_GenericSetAttr(instance, names[k], values[k])
    return instance


cdef inline bint _linked_headline(str text, long link_chars, long anchors):
    """`dom._linked_headline` with its defaults (4 to 25 words, 0.8 link text, 4 words a link)."""
    cdef long words = text.count(" ") + 1
    return link_chars >= 0.8 * len(text) and 4 <= words <= 25 and words >= 4 * anchors


def word_counts(found):
    """`dom.word_counts`, compiled: the prose and other words in each counted element, and the page's prose."""
    cdef dict prose_in = {}
    cdef dict junk_in = {}
    cdef long total_prose = 0, words, link_chars, group, counted, previous_group = -2
    cdef bint listed, prose, previous_headline = False
    cdef set story_lists = set()
    cdef dict first = found.first_raw
    cdef list raws = found.raws
    cdef Py_ssize_t index
    cdef str text
    cdef tuple raw, frame, context
    ends = dom._ENDS
    for index in range(len(raws)):
        raw = raws[index]
        text = raw[0]
        frame = raw[1]
        link_chars = raw[2]
        words = text.count(" ") + 1
        context = frame[3]
        group = context[3]
        listed = group >= 0 and context[1] and not context[2]
        headline = _linked_headline(text, link_chars, raw[3])
        if listed and headline:
            story_lists.add(group)
        prose = (
            link_chars < 0.5 * len(text)
            and ((words >= 8 and text[len(text) - 1] in ends) or words >= 25)
            and not (listed and group in story_lists)
            and not (previous_group == group and previous_headline)
        )
        if prose:
            total_prose += words
        counted = frame[5]
        if counted >= 0:
            bucket = prose_in if prose else junk_in
            bucket[counted] = bucket.get(counted, 0) + words
            if counted not in first:
                first[counted] = index
        previous_group = group
        previous_headline = headline
    parents = found.parents
    for serial in reversed(found.candidates):
        parent = parents[serial]
        if parent >= 0:
            for bucket in (prose_in, junk_in):
                if serial in bucket:
                    bucket[parent] = bucket.get(parent, 0) + bucket[serial]
            if serial in first and first[serial] < first.get(parent, len(raws)):
                first[parent] = first[serial]
    return prose_in, junk_in, total_prose


def markup_blocks(found, counts, container):
    """`dom.markup_blocks`, compiled: the blocks with their `Markup`, the container chosen."""
    candidates = found.candidates
    cdef dict parents = found.parents
    depth_of_container = candidates[container][0] if container is not None else 0
    cdef dict furniture = {}
    cdef dict inside_of = {-1: False}
    if container is not None:
        inside_of[container] = True
    cdef list blocks = []
    cdef dict markups = {}
    cdef dict kept_inside = {}
    cdef dict kept_outside = {}
    cdef dict kept
    cdef list path
    cdef list raws = found.raws
    cdef Py_ssize_t i
    cdef long link_chars
    cdef tuple raw, frame
    cdef str text
    is_inside = None
    kept_tokens = dom.kept_tokens
    Markup = dom.Markup
    Block = dom.Block
    py_round = round
    for i in range(len(raws)):
        raw = raws[i]
        text = raw[0]
        frame = raw[1]
        link_chars = raw[2]
        depth = frame[0]
        tag = frame[1]
        context = frame[3]
        frame_tokens = frame[4]
        counted = frame[5]
        if container is not None:
            is_inside = inside_of.get(counted)
            if is_inside is None:
                path = []
                serial = counted
                while serial not in inside_of:
                    path.append(serial)
                    serial = parents[serial]
                is_inside = inside_of[serial]
                for serial in path:
                    inside_of[serial] = is_inside
        tokens = ()
        if frame_tokens:
            kept = kept_inside if is_inside else kept_outside
            tokens = kept.get(id(frame_tokens))
            if tokens is None:
                cut = depth_of_container if is_inside else -1
                tokens = kept[id(frame_tokens)] = kept_tokens(frame_tokens, cut, furniture, counts)
        density = py_round(<object>(<double>link_chars / len(text)), 3) if link_chars else 0.0
        key = (tag, context, depth, density, tokens, is_inside)
        markup = markups.get(key)
        if markup is None:
            heading, in_list, in_table, group = context
            markup = markups[key] = _frozen(
                Markup,
                _MARKUP_FIELDS,
                (tag if tag != "#root" else "body", heading, in_list, in_table, depth, density, group, tokens, is_inside),
            )
        blocks.append(_frozen(Block, _BLOCK_FIELDS, (i, i + 1, text, markup)))
    return blocks
