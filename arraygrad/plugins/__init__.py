"""Built-in plugins that are not backends (installed as ``arraygrad.plugins``): optimizers
(:mod:`~arraygrad.plugins.optim`), data loading
(:mod:`~arraygrad.plugins.data`) and data sources (:mod:`~arraygrad.plugins.datasets`).

They register through the ``arraygrad`` entry-point group exactly as a third party's do.
"""
