"""What a person sends again and again: the per-tab history and the saved-message library.

No Qt here: the payload field and the Messages panel are the Qt parts built on it.
"""
