// Anchor translation unit of govchain_chain (block store and friends).
