# Warnings are errors everywhere in our code.
set(ED_WARNINGS -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla
    -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter)
