"""Whether the writer asserts an event, reports it from someone, alleges it, or only imagines it.

Read off the trigger's clause and the clauses above it: negation, modal auxiliaries ("would have …" with a
"had he …"/"if …" condition is counterfactual), future auxiliaries and intention verbs, a speech or
evidential verb governing the clause ("officials said that …", "it emerged that …"), "according to X",
and allegation adverbs. Specificity tells one occurrence from a total or a habit.

Where it fails: scope across sentences ("He said so. The army shelled the town.") is not followed; irony
is not detected.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from spacy.tokens import Span, Token

from ..nlp.doccache import (
    children_of,
    doc_text,
    head_ids,
    memo,
    sentence_of,
    token_words,
    tokens,
)
from ..records import Attribution
from .ontology import Ontology

_MODALS_HYPO = {"would", "could", "might", "may", "should", "must", "can"}
_FUTURE_AUX = {"will", "shall", "'ll", "wo"}
_PERFECT = {"have", "'ve", "’ve", "'d"}
_CLAUSE_UP = ("xcomp", "conj", "advcl", "acl", "relcl", "pcomp", "pobj", "prep", "dobj", "nsubj",
              "nsubjpass", "attr", "appos", "compound", "amod", "ccomp", "csubj", "oprd", "dep")


@dataclass(frozen=True)
class ModalityResult:
    modality: str
    attribution: Attribution | None


def _governors(token: Token) -> list[Token]:
    """The trigger and the words above it up to the root, crossing clause boundaries."""
    toks, heads = tokens(token.doc), head_ids(token.doc)
    chain = [token]
    while heads[chain[-1].i] != chain[-1].i and len(chain) < 12:
        chain.append(toks[heads[chain[-1].i]])
    return chain


def _clause_verbs(token: Token) -> list[Token]:
    """The verbs whose auxiliaries scope over the trigger without crossing a reporting clause:
    the trigger and what it hangs on through xcomp/conj/nominal links, stopping at ccomp."""
    toks, heads = tokens(token.doc), head_ids(token.doc)
    out = [token]
    cur = token
    while heads[cur.i] != cur.i and cur.dep_ in ("xcomp", "conj", "pobj", "prep", "dobj", "nsubj",
                                                 "nsubjpass", "attr", "amod", "compound", "acl", "pcomp"):
        cur = toks[heads[cur.i]]
        out.append(cur)
        if len(out) > 8:
            break
    return out


def _auxes(verb: Token) -> set[str]:
    words = {c.lower_ for c in children_of(verb) if c.dep_ in ("aux", "auxpass", "neg", "nsubj")}
    # spaCy sometimes tags the clitic "'ve" as a noun subject: "it would've"
    return words


def _sentence_words(sent: Span) -> tuple[str, ...]:
    """The sentence's words, lowered, once per sentence (each of its triggers reads them)."""
    table = memo(sent.doc)
    key = ("modality.words", sent.start, sent.end)
    words = table.get(key)
    if words is None:
        words = table[key] = tuple(token_words(sent.doc).lower[sent.start:sent.end])
    return words


def _sentence_lower(sent: Span) -> str:
    table = memo(sent.doc)
    key = ("modality.lower", sent.start, sent.end)
    text = table.get(key)
    if text is None:
        text = table[key] = doc_text(sent.doc)[sent.start_char:sent.end_char].lower()
    return text


def _conditional(sent: Span) -> bool:
    """Whether the sentence holds a past conditional ("had he still been alive", "if … had"): a property
    of the sentence, read once for all its triggers, and only where "had" or "if" occurs at all."""
    table = memo(sent.doc)
    key = ("modality.conditional", sent.start, sent.end)
    found = table.get(key)
    if found is None:
        words = _sentence_words(sent)
        found = False
        if "had" in words or "if" in words:
            for i, w in enumerate(words[:-1]):
                # "had he still been alive": inverted conditional; "if … had"
                inverted = i == 0 or words[i - 1] in (",", "and", "but", "–", "-")
                if (w == "had" and sent[i + 1].pos_ in ("PRON", "PROPN") and inverted) or (
                        w == "if" and "had" in words[i + 1:]):
                    found = True
                    break
        table[key] = found
    return found  # type: ignore[no-any-return]


def _counterfactual(token: Token, sent: Span, governors: list[Token]) -> bool:
    for verb in _clause_verbs(token):
        aux = _auxes(verb)
        if aux & _MODALS_HYPO and (aux & _PERFECT or "have" in aux):
            return True
    return _conditional(sent) and any(_auxes(v) & _MODALS_HYPO for v in governors)


def _attribution(token: Token, ontology: Ontology, sent: Span, chain: list[Token]) -> Attribution | None:
    """Who the clause is reported from: a speech verb governing it, or "according to X" in the sentence.
    ``chain`` is ``_governors(token)``."""
    speech = ontology.words("speech_verbs")
    for below, gov in pairwise(chain):
        # only the clause a speech verb governs as its complement is reported by it
        if (gov.lemma_.lower() in speech and gov.pos_ in ("VERB", "AUX")
                and below.dep_ in ("ccomp", "parataxis", "xcomp")):
            subj = [c for c in children_of(gov) if c.dep_ in ("nsubj", "nsubjpass")]
            mark = [c for c in token.doc[gov.i + 1: min(gov.i + 3, sent.end)] if c.lower_ == "that"]
            left = min([gov.i] + [s.left_edge.i for s in subj])
            right = mark[0].i if mark and mark[0].i > gov.i else gov.i
            span = token.doc[left: right + 1]
            source = None
            if subj and subj[0].lower_ not in ("it", "this", "that", "there"):
                source = token.doc[subj[0].left_edge.i: subj[0].right_edge.i + 1].text
            return Attribution(text=span.text, source=source)
    text = _sentence_lower(sent)
    for cue in ontology.words("according_to"):
        pos = text.find(cue + " ")
        if pos >= 0:
            start_char = sent.start_char + pos
            cue_span = sent.doc.char_span(start_char, start_char + len(cue), alignment_mode="expand")
            if cue_span is None:
                continue
            last = cue_span[-1]
            objs = [c for c in children_of(last) if c.dep_ == "pobj"] or [
                c for t in cue_span for c in children_of(t) if c.dep_ == "pobj"]
            if objs:
                src = token.doc[objs[0].left_edge.i: objs[0].right_edge.i + 1]
                return Attribution(text=token.doc[cue_span.start: src.end].text, source=src.text)
            return Attribution(text=cue_span.text, source=None)
    return None


def _only_not(neg: Token) -> bool:
    """"not merely", "not only", "not just": a contrast, not a negation of the event."""
    nxt = neg.doc[neg.i + 1] if neg.i + 1 < len(neg.doc) else None
    return nxt is not None and nxt.lower_ in ("merely", "only", "just", "simply", "solely")


def modality_of(token: Token, ontology: Ontology) -> ModalityResult:
    sent = sentence_of(token)
    clause = _clause_verbs(token)
    governors = _governors(token)

    def attribution() -> Attribution | None:
        return _attribution(token, ontology, sent, governors)

    # negation on the trigger's own clause ("did not attack", "no airstrikes")
    for verb in clause[:3]:
        if any(c.dep_ == "neg" and not _only_not(c) for c in children_of(verb)) or any(
                c.dep_ == "det" and c.lower_ == "no" for c in children_of(verb)):
            return ModalityResult("negated", attribution())
    if _counterfactual(token, sent, governors):
        return ModalityResult("counterfactual", attribution())
    future = ontology.words("future_words")
    hypo = ontology.words("hypothetical_words")
    for verb in clause:
        aux = _auxes(verb)
        if aux & _FUTURE_AUX or (verb is not token and verb.lemma_.lower() in future and verb.pos_ == "VERB"):
            return ModalityResult("future", attribution())
        if aux & _MODALS_HYPO:
            return ModalityResult("hypothetical", attribution())
        if verb is not token and (verb.lemma_.lower() in hypo or verb.lower_ in hypo):
            return ModalityResult("hypothetical", attribution())
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in children_of(verb)):
            return ModalityResult("hypothetical", attribution())
    found = attribution()
    cues = ontology.words("allegation_cues")
    near = [c.lower_ for v in clause[:3] for c in children_of(v)]
    if set(near) & cues or any(g.lemma_.lower() in ("accuse", "allege") for g in governors[1:4]):
        return ModalityResult("alleged", found)
    if found is not None:
        return ModalityResult("reported", found)
    return ModalityResult("asserted", None)


def specificity_of(token: Token, ontology: Ontology, *, count_low: int | None = None,
                   plural_patients: bool = False) -> str:
    """specific (one occurrence), aggregate (a campaign or a total), generic (a habit or a strategy)."""
    generic = ontology.words("generic_cues")
    aggregate = ontology.words("aggregate_cues")
    clause = _clause_verbs(token)
    # infinitival purpose or strategy: "the only way … was to destroy it – to target civilian areas"
    infinitive = token.pos_ == "VERB" and any(c.dep_ == "aux" and c.lower_ == "to"
                                              for c in children_of(token))
    if infinitive and not any(v.pos_ == "VERB" and v.tag_ in ("VBD", "VBZ", "VBP") for v in clause[1:2]):
        return "generic"
    for gov in _governors(token)[1:4]:
        if gov.lemma_.lower() in generic or gov.lower_ in generic:
            return "generic"
        if gov.lemma_.lower() in aggregate:
            return "aggregate"
    if any(c.lower_ in generic for v in clause[:2] for c in children_of(v) if c.dep_ == "advmod"):
        return "generic"
    if token.pos_ in ("NOUN", "PROPN") and token.tag_ in ("NNS", "NNPS"):
        if token.dep_ == "pobj" and token.head.lower_ == "for":
            return "generic"
        return "aggregate"
    if token.pos_ in ("NOUN",) and token.dep_ == "pobj" and token.head.lower_ == "for":
        return "generic"
    if count_low is not None and count_low >= 1000:
        return "aggregate"
    perfect = any(c.lower_ in ("have", "has", "had") and c.dep_ == "aux" for c in children_of(token))
    if perfect and plural_patients:
        return "aggregate"
    if any(c.lower_ in aggregate for c in children_of(token) if c.dep_ in ("advmod", "amod")):
        return "aggregate"
    return "specific"
