/*
 * --lower=oci:DIR[:TAG]: an OCI image layout (the image spec's
 * oci-layout, index.json, blobs/sha256/...) as lowers.  The manifest
 * named TAG (its org.opencontainers.image.ref.name; without TAG the only
 * one, else "latest") lists the layers, base first; each layer blob is
 * checked against its digest and unpacked once into the cache
 * (--oci-cache, a dir per digest, made under a temporary name and renamed
 * in whole), markers and all: the lowers are then read in the OCI layer
 * format (oci.c), top layer first.  Owners are the layer's numbers (names
 * in it are not looked up on the host, as OCI appliers do).  Run by a user
 * (rootless.c), layers are unpacked as root of its user namespace, and
 * what that namespace cannot make (an owner it does not map, a device
 * node) is made as the user's own file and kept in its owner record, as
 * rootless image stores unpack (overlay/override.c).  Setup code: exits
 * 125 naming what failed.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "ovlrun/supervisor.h"
#include "fsutil.h"

#define REF_NAME "org.opencontainers.image.ref.name"
#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

struct image {
	const char *spec;               /* as given, for messages */
	char dir[PATH_MAX];
	const char *tag;                /* NULL: the only one, or "latest" */
	bool rootless;                  /* unpacked in a user namespace mapping ids 0..mapped */
	unsigned long mapped;
};

/* blobs/<alg>/<hex> of digest "sha256:<hex>", checked to be one. */
static void blob_path(const struct image *im, const char *digest, char *out)
{
	const char *hex = strncmp(digest, "sha256:", 7) ? NULL : digest + 7;
	if (!hex || strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
		die_setup("%s: digest %s: only sha256 digests are read", im->spec, digest);
	if (snprintf(out, PATH_MAX, "%s/blobs/sha256/%s", im->dir, hex) >= PATH_MAX)
		die_setup("%s: path too long", im->spec);
}

/* A file of the layout, opened for reading: a regular file, no link
 * followed at its last name (the layout is the image maker's; a FIFO's
 * open does not wait for a writer: O_NONBLOCK, which a regular file's
 * reads ignore). */
static int open_regular(const struct image *im, const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st))
		die_setup("%s: %s: open: %s", im->spec, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die_setup("%s: %s: not a regular file", im->spec, path);
	return fd;
}

/* A sha256 of the bytes as they are read: what is checked is what is used. */
struct hashed {
	EVP_MD_CTX *ctx;
	int fd;
	unsigned char buf[1 << 16];
};

static void hashed_open(const struct image *im, struct hashed *h, int fd)
{
	h->fd = fd;
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || !EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL))
		die_setup("%s: sha256: no digest context", im->spec);
}

static ssize_t hashed_read(struct hashed *h, void *buf, size_t n)
{
	ssize_t r = read(h->fd, buf, n);
	if (r > 0)
		EVP_DigestUpdate(h->ctx, buf, (size_t)r);
	return r;
}

/* The rest to its end, then the digest of all read compared with digest. */
static void hashed_check(const struct image *im, struct hashed *h, const char *what,
			 const char *digest)
{
	ssize_t n;
	while ((n = hashed_read(h, h->buf, sizeof(h->buf))) > 0)
		;
	if (n < 0)
		die_setup("%s: %s: read: %s", im->spec, what, strerror(errno));
	unsigned char md[32];
	unsigned len = 0;
	EVP_DigestFinal_ex(h->ctx, md, &len);
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
	char hex[65];
	for (unsigned i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	if (strcmp(hex, digest + 7))
		die_setup("%s: blob %s: its content's digest is sha256:%s, not %s (damaged or "
			  "altered)", im->spec, what, hex, digest);
}

/* A JSON object of the layout, read once (and checked against digest
 * when one names it). */
static json_t *load_json(const struct image *im, const char *path, const char *digest)
{
	struct hashed *h = malloc(sizeof(*h));
	if (!h)
		die_setup("%s: no memory", im->spec);
	hashed_open(im, h, open_regular(im, path));
	size_t len = 0, cap = 1 << 16;
	char *text = malloc(cap);
	ssize_t n;
	while (text && (n = hashed_read(h, text + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap && cap < (64u << 20))
			text = realloc(text, cap *= 2);
		else if (len == cap)
			die_setup("%s: %s: more than 64 MiB of JSON", im->spec, path);
	}
	if (!text)
		die_setup("%s: no memory", im->spec);
	if (digest)
		hashed_check(im, h, path, digest);
	else
		EVP_MD_CTX_free(h->ctx);
	close(h->fd);
	free(h);
	json_error_t e;
	json_t *j = json_loadb(text, len, 0, &e);
	free(text);
	/* (the error's text quotes the file: not echoed) */
	if (!j || !json_is_object(j))
		die_setup("%s: %s: not a JSON object (line %d)", im->spec, path, j ? 0 : e.line);
	return j;
}

static const char *str(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The manifest descriptor index.json (or a nested index) names for im. */
static json_t *pick(const struct image *im, json_t *index, const char *where)
{
	json_t *ms = json_object_get(index, "manifests"), *m, *found = NULL, *latest = NULL;
	size_t i;
	if (!json_is_array(ms) || !json_array_size(ms))
		die_setup("%s: %s lists no manifests", im->spec, where);
	json_array_foreach(ms, i, m) {
		const char *ref = str(json_object_get(m, "annotations"), REF_NAME);
		json_t *p = json_object_get(m, "platform");
		if (p && (!str(p, "os") || strcmp(str(p, "os"), "linux") || !str(p, "architecture") ||
			  strcmp(str(p, "architecture"), "amd64")))
			continue;       /* another platform's */
		if (im->tag && ref && !strcmp(ref, im->tag))
			found = m;
		if (ref && !strcmp(ref, "latest"))
			latest = m;
	}
	if (!im->tag && !found)
		found = json_array_size(ms) == 1 ? json_array_get(ms, 0) : latest;
	if (!found)
		die_setup("%s: %s has no manifest %s%s (for linux/amd64)", im->spec, where,
			  im->tag ? "tagged " : "tagged latest, and more than one",
			  im->tag ? im->tag : "");
	return found;
}

/* The blob could not be read as a layer: first whether it is the one its
 * digest names (a damaged one says so), then libarchive's words. */
static void unreadable(const struct image *im, struct hashed *h, const char *blob,
		       const char *digest, const char *what, const char *why)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", why ? why : "unreadable");
	hashed_check(im, h, blob, digest);
	die_setup("%s: layer %s: %s%s%s", im->spec, digest, what ? what : "", what ? ": " : "", msg);
}

static la_ssize_t feed(struct archive *a, void *data, const void **buf)
{
	(void)a;
	struct hashed *h = data;
	*buf = h->buf;
	return hashed_read(h, h->buf, sizeof(h->buf));
}

/* Unpack layer blob into dir, markers and all, never outside it, hashing
 * the very bytes unpacked: a blob that is not what its digest says is
 * refused before dir is put in the cache. */
/* Run by a user: an entry the namespace cannot make as it is (an owner it
 * does not map, a device node other than a whiteout) becomes the user's
 * own (a device an empty file); rec its owner record.  False when it needs
 * none, or cannot carry one (only regular files and dirs have user.*
 * xattrs; a hard link shares its target's). */
static bool as_user_record(const struct image *im, struct archive_entry *e, struct stat *rec)
{
	if (!im->rootless)
		return false;
	mode_t type = archive_entry_filetype(e);
	la_int64_t u = archive_entry_uid(e), g = archive_entry_gid(e);
	if (u < 0 || g < 0 || u > 0xfffffffe || g > 0xfffffffe)
		die_setup("%s: a layer entry %s of owner %lld:%lld, no id", im->spec,
			  archive_entry_pathname(e), (long long)u, (long long)g);
	bool node = (type == AE_IFCHR || type == AE_IFBLK) && archive_entry_rdev(e) != 0;
	bool unmapped = (unsigned long)u > im->mapped || (unsigned long)g > im->mapped;
	if (!node && !unmapped)
		return false;
	if (archive_entry_hardlink(e)) {
		/* (a link shares its target's record; its own ids the user's) */
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
		return false;
	}
	*rec = (struct stat){ .st_mode = type | (archive_entry_perm(e) & 07777),
			      .st_uid = (uid_t)u, .st_gid = (gid_t)g,
			      .st_rdev = archive_entry_rdev(e) };
	if (node) {
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_size(e, 0);
		archive_entry_set_perm(e, 0600);
	}
	if (unmapped) {
		archive_entry_set_uid(e, 0);
		archive_entry_set_gid(e, 0);
	}
	return node || type == AE_IFREG || type == AE_IFDIR;
}

static void unpack(const struct image *im, const char *blob, const char *digest, const char *dir)
{
	struct hashed *h = malloc(sizeof(*h));
	if (!h)
		die_setup("%s: no memory", im->spec);
	hashed_open(im, h, open_regular(im, blob));
	struct archive *r = archive_read_new(), *w = archive_write_disk_new();
	archive_read_support_filter_all(r);
	archive_read_support_format_tar(r);
	archive_write_disk_set_options(w, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
					  ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_XATTR |
					  ARCHIVE_EXTRACT_SECURE_SYMLINKS |
					  ARCHIVE_EXTRACT_SECURE_NODOTDOT |
					  ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	/* (no archive_write_disk_set_standard_lookup: the layer's numbers, not
	 * the host's ids of its names) */
	if (archive_read_open(r, h, NULL, feed, NULL) != ARCHIVE_OK)
		unreadable(im, h, blob, digest, NULL, archive_error_string(r));
	/* names are taken relative to the cwd, and none may leave it (the
	 * SECURE_ flags): dir is the cwd meanwhile (setup: one thread) */
	int back = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (back < 0 || chdir(dir))
		die_setup("%s: chdir %s: %s", im->spec, dir, strerror(errno));
	struct archive_entry *e;
	char name[256];
	int rc;
	while ((rc = archive_read_next_header(r, &e)) == ARCHIVE_OK) {
		snprintf(name, sizeof(name), "%s", archive_entry_pathname(e));
		if (!strcmp(name, ".") || !strcmp(name, "./") || !strcmp(name, "/"))
			continue;       /* the layer's root: dir's */
		struct stat rec;
		bool recorded = as_user_record(im, e, &rec);
		if (archive_write_header(w, e) != ARCHIVE_OK)
			die_setup("%s: layer %s: %s: %s", im->spec, digest, name, archive_error_string(w));
		const void *buf;
		size_t size;
		la_int64_t off;
		while ((rc = archive_read_data_block(r, &buf, &size, &off)) == ARCHIVE_OK)
			if (archive_write_data_block(w, buf, size, off) != ARCHIVE_OK)
				die_setup("%s: layer %s: %s: %s", im->spec, digest, name,
					  archive_error_string(w));
		if (rc != ARCHIVE_EOF)
			unreadable(im, h, blob, digest, name, archive_error_string(r));
		if (archive_write_finish_entry(w) != ARCHIVE_OK)
			die_setup("%s: layer %s: %s: %s", im->spec, digest, name, archive_error_string(w));
		char text[96];
		int n = recorded ? ovl_override_format(&rec, text, sizeof(text)) : 0;
		if (n > 0 && lsetxattr(archive_entry_pathname(e), OVL_OVERRIDE_XATTR, text, (size_t)n, 0))
			die_setup("%s: layer %s: %s: its owner record: %s", im->spec, digest, name,
				  strerror(errno));
	}
	if (rc != ARCHIVE_EOF)
		unreadable(im, h, blob, digest, NULL, archive_error_string(r));
	if (fchdir(back))
		die_setup("%s: back to the cwd: %s", im->spec, strerror(errno));
	close(back);
	archive_read_free(r);
	archive_write_close(w);
	archive_write_free(w);
	hashed_check(im, h, blob, digest);
	close(h->fd);
	free(h);
}

/* The cached dir of layer digest, unpacked now if it is not yet. */
static char *layer_dir(const struct image *im, const char *cache, const char *digest)
{
	char blob[PATH_MAX], *dir = malloc(PATH_MAX), tmp[PATH_MAX];
	blob_path(im, digest, blob);
	if (!dir || snprintf(dir, PATH_MAX, "%s/sha256-%s", cache, digest + 7) >= PATH_MAX)
		die_setup("%s: the cache path %s is too long", im->spec, cache);
	struct stat st;
	if (!lstat(dir, &st) && S_ISDIR(st.st_mode))
		return dir;             /* unpacked (and checked) by an earlier run */
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s-%d", cache, digest + 7, (int)getpid());
	remove_tree_at(AT_FDCWD, tmp, false);
	if (mkdir(tmp, 0755))
		die_setup("%s: mkdir %s: %s", im->spec, tmp, strerror(errno));
	unpack(im, blob, digest, tmp);
	/* whole or not at all; another run may have made it meanwhile */
	if (rename(tmp, dir) && !(errno == ENOTEMPTY || errno == EEXIST))
		die_setup("%s: rename %s to %s: %s", im->spec, tmp, dir, strerror(errno));
	remove_tree_at(AT_FDCWD, tmp, false);
	return dir;
}

/* Layers of im, top first, into lower[] (room for max). */
static int image_layers(struct image *im, const char *cache, char **lower, int max)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof(path), "%s/index.json", im->dir);
	json_t *index = load_json(im, path, NULL);
	json_t *d = pick(im, index, "index.json");
	const char *mt = str(d, "mediaType"), *digest = str(d, "digest");
	json_t *nested = NULL;
	if (!digest)
		die_setup("%s: a manifest descriptor without a digest", im->spec);
	if (mt && (!strcmp(mt, MT_INDEX) || !strcmp(mt, MT_DOCKER_LIST))) {
		blob_path(im, digest, path);
		nested = load_json(im, path, digest);
		struct image any = *im;
		any.tag = NULL;
		d = pick(&any, nested, digest);
		digest = str(d, "digest");
	}
	if (!digest)
		die_setup("%s: a manifest descriptor without a digest", im->spec);
	blob_path(im, digest, path);
	json_t *manifest = load_json(im, path, digest);
	json_t *layers = json_object_get(manifest, "layers"), *l;
	size_t n = json_is_array(layers) ? json_array_size(layers) : 0, i;
	if (!n)
		die_setup("%s: manifest %s lists no layers", im->spec, digest);
	if ((int)n > max)
		die_setup("%s: %zu layers: more than %d lower dirs in all", im->spec, n, OVL_MAX_LOWER);
	json_array_foreach(layers, i, l) {
		const char *ld = str(l, "digest");
		if (!ld)
			die_setup("%s: a layer descriptor without a digest", im->spec);
		lower[n - 1 - i] = layer_dir(im, cache, ld);    /* base first: top first */
	}
	json_decref(manifest);
	json_decref(nested);
	json_decref(index);
	return (int)n;
}

/* The cache (made 0700 if missing, its parents too), walked from "/"
 * without following links: what is in it becomes the sandbox's files,
 * set-id ones too, so no one but its owner may reach into it (0700, root's,
 * or the user's in a run by a user) or replace it (every dir above it
 * root's or that owner's, writable by others only when sticky, as /tmp).
 * A user's default is its own cache dir ($XDG_CACHE_HOME, ~/.cache).
 * Checked with the host's ids, before a user's run enters its namespace. */
void oci_cache_check(struct options *o)
{
	bool any = false;
	for (int i = 0; i < o->nlower; i++)
		any |= !strncmp(o->lower[i], "oci:", 4);
	if (!any)
		return;
	uid_t me = geteuid();
	static char home_cache[PATH_MAX];
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (!o->oci_cache && me == 0) {
		o->oci_cache = OVLRUN_OCI_CACHE_DEFAULT;
	} else if (!o->oci_cache) {
		int n = xdg && xdg[0] == '/' ? snprintf(home_cache, sizeof(home_cache), "%s/ovlrun/oci", xdg)
			: home && home[0] == '/' && home[1]
				? snprintf(home_cache, sizeof(home_cache), "%s/.cache/ovlrun/oci", home)
				: -1;
		if (n < 0 || n >= (int)sizeof(home_cache))
			die_setup("--lower=oci:...: no cache dir of yours (no XDG_CACHE_HOME or HOME): "
				  "pass --oci-cache=DIR");
		o->oci_cache = home_cache;
	}
	char p[PATH_MAX];
	if (snprintf(p, sizeof(p), "%s", o->oci_cache) >= (int)sizeof(p) || p[0] != '/')
		die_setup("--oci-cache=%s: an absolute path is needed", o->oci_cache);
	int fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	for (char *save = NULL, *c = strtok_r(p, "/", &save); fd >= 0 && c;) {
		if (fstat(fd, &st) || (st.st_uid != 0 && st.st_uid != me) ||
		    ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
			die_setup("--oci-cache=%s: a dir above it is not %s alone to change",
				  o->oci_cache, me ? "root's and yours" : "root's");
		if (mkdirat(fd, c, 0700) && errno != EEXIST)
			die_setup("--oci-cache: mkdir %s: %s", c, strerror(errno));
		int next = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		c = strtok_r(NULL, "/", &save);
	}
	if (fd < 0 || fstat(fd, &st) || st.st_uid != me || (st.st_mode & 077))
		die_setup("--oci-cache=%s: must be a dir of %s that no one else may enter "
			  "(mode 0700)", o->oci_cache, me ? "yours" : "root's");
	close(fd);
}

void oci_expand_lowers(struct sup *s)
{
	struct options *o = &s->opt;
	char *in[OVL_MAX_LOWER];
	int n = o->nlower, out = 0;
	memcpy(in, o->lower, sizeof(*in) * (size_t)n);
	for (int i = 0; i < n; i++) {
		if (strncmp(in[i], "oci:", 4)) {
			if (out == OVL_MAX_LOWER)
				die_setup("--lower: more than %d lower dirs", OVL_MAX_LOWER);
			o->lower[out++] = in[i];
			continue;
		}
		struct image im = { .spec = in[i], .rootless = s->rootless, .mapped = s->mapped_ids };
		/* DIR[:TAG]: a tag has no '/' */
		const char *colon = strrchr(in[i] + 4, ':');
		if (colon && !strchr(colon, '/'))
			im.tag = colon + 1;
		size_t len = colon && im.tag ? (size_t)(colon - in[i] - 4) : strlen(in[i] + 4);
		if (!len || len >= sizeof(im.dir))
			die_setup("%s: expected oci:DIR[:TAG]", in[i]);
		memcpy(im.dir, in[i] + 4, len);
		im.dir[len] = 0;
		out += image_layers(&im, o->oci_cache, o->lower + out, OVL_MAX_LOWER - out);
		o->lower_oci = true;
	}
	o->nlower = out;
}
