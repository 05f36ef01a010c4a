# cython: language_level=3
# distutils: language = c++
"""spaCy's greedy transition parse, run with the GIL held.

``Parser.greedy_parse`` releases the GIL around its C loop, and every state query inside that loop
takes it back for a moment (spaCy's C++ state methods are compiled with an exception check that needs
the GIL). One process running one parse pays a lock round trip per action per token: a third of the
entity recogniser's time and half of the dependency parser's loop. This is the same loop with the
same weights and the same C functions, called without letting go of the GIL, so those checks find it
already held. The parse, and so every head, label and entity, is the same.
"""
from libcpp.vector cimport vector
from spacy.ml.parser_model cimport SizesC, WeightsC, get_c_sizes, get_c_weights
from spacy.pipeline._parser_internals._state cimport StateC
from spacy.pipeline._parser_internals.stateclass cimport StateClass
from spacy.pipeline.transition_parser cimport Parser
from thinc.backends.cblas cimport CBlas

import spacy
from thinc.api import set_dropout_rate

# the spaCy these C structures were compiled against; another version may lay them out differently
SPACY_VERSION = spacy.__version__


def greedy_parse(Parser parser, list docs):
    """The states ``parser.greedy_parse(docs)`` returns, from the same loop, holding the GIL."""
    cdef vector[StateC*] states
    cdef StateClass state
    cdef CBlas cblas = parser.model.ops.cblas()
    cdef WeightsC weights
    cdef SizesC sizes
    parser._ensure_labels_are_added(docs)
    set_dropout_rate(parser.model, 0.0)
    batch = parser.moves.init_batch(docs)
    model = parser.model.predict(docs)
    weights = get_c_weights(model)
    for state in batch:
        if not state.is_final():
            states.push_back(state.c)
    sizes = get_c_sizes(model, states.size())
    if states.size():
        parser._parseC(cblas, &states[0], weights, sizes)
    model.clear_memory()
    del model
    return batch
