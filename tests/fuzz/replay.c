/* SPDX-License-Identifier: MIT
 * main() for replaying fuzz inputs without libFuzzer: each argument is a
 * file or a directory of files (dot-files skipped), fed one by one to the
 * target's LLVMFuzzerTestOneInput. CTest runs this over corpus/<target> and
 * regressions/<target>. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#define REPLAY_MAX (4u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int main(int argc, char **argv);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    size_t n = 0;
    int rc = 1;
    if (!f) {
        fprintf(stderr, "replay: cannot open %s\n", path);
        return 1;
    }
    data = malloc(REPLAY_MAX);
    if (!data)
        abort();
    n = fread(data, 1, REPLAY_MAX, f);
    if (ferror(f)) {
        fprintf(stderr, "replay: cannot read %s\n", path);
        goto out;
    }
    LLVMFuzzerTestOneInput(data, n);
    rc = 0;
out:
    free(data);
    fclose(f);
    return rc;
}

static int replay_path(const char *path, size_t *count)
{
    struct stat st;
    struct dirent *e;
    DIR *d;
    int rc = 0;
    if (stat(path, &st) != 0)
        return 0; /* an absent regressions/ dir is fine */
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return replay_file(path);
    }
    if (!(d = opendir(path)))
        return 1;
    while ((e = readdir(d))) {
        char full[4096];
        if (e->d_name[0] == '.')
            continue;
        snprintf(full, sizeof(full), "%s/%s", path, e->d_name);
        if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
            (*count)++;
            rc |= replay_file(full);
        }
    }
    closedir(d);
    return rc;
}

int main(int argc, char **argv)
{
    size_t count = 0;
    int rc = 0;
    for (int i = 1; i < argc; i++)
        rc |= replay_path(argv[i], &count);
    fprintf(stderr, "%s: %zu input(s) replayed\n", argv[0], count);
    return rc;
}
