# Warnings are errors everywhere in our code. Missing field initializers are
# allowed: route tables (api/api.h struct ed_route) are positional and new
# fields go at the end, zero for the rows that do not set them.
set(ED_WARNINGS -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla
    -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
    -Wno-missing-field-initializers)
