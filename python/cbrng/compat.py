"""Other systems' random numbers, bit for bit (``cbrng::compat``)."""
