"""Messages in the caller's language: the languages and how a request picks one
(`language`), the gettext catalogues (`catalogues`), and how an error, a message or an
enum value is said (`say`). docs/api.md "Languages" is the user's side of it."""
