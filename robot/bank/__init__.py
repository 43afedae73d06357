"""The journey to the bank: bank files in (camt.054, camt.053, pain.002), stored first, then read.

:mod:`~robot.bank.model` what is read (frozen data), :mod:`~robot.bank.iso20022` reading a file
(:mod:`~robot.bank.camt`, :mod:`~robot.bank.pain`, :mod:`~robot.bank.remittance`,
:mod:`~robot.bank.nodes`), :mod:`~robot.bank.source` where bank files come from and taking them in.
"""
