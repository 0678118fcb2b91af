"""Store: categories, products, orders, deposit proofs and the wallet ledger."""
