"""`kopir import FILE.yaml`: events (`events`) and contests (`contests`), each record read
by `records`. A new import section is a reader next to these two."""
