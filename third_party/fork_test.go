// Package thirdparty holds the tests of the third-party code this
// repository carries a copy of, in the directories below, each with its
// PATCH.md: that the copy is upstream's but for the change it documents,
// that the change does what it is there for, and that the build uses it.
package thirdparty

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jsonschemaFiles are the SHA-256 digests of the files of
// github.com/santhosh-tekuri/jsonschema/v6 v6.0.3 that the copy keeps
// unchanged (from the module as the Go module proxy serves it).
var jsonschemaFiles = map[string]string{
	"LICENSE":                     "c8858a5a76440bbca484e134cf7df46385d090dd18b2c58e650f939258802e5b",
	"README.md":                   "e04f71e6bab7f544a8068b2ff4c71038a4ff78a4f7c0c914fd9fd1235359c9e0",
	"compiler.go":                 "70866caca3a796301c74dfb2a963d53809c0b94c3dcbcc7f8ac5f8f480856b76",
	"content.go":                  "06ab11a570b088691c5526f7cff82879532ca4d07b3438ea1d2903cd426d8ec2",
	"format.go":                   "87bd46648c3da990a12e27ae3eedb13346a1ece32ecd264d760d0e3ac04b3320",
	"go.mod":                      "48f5e138633d4d85be9f6cd447e2db32aabd00e530a00a45985695af5e0372e5",
	"kind/kind.go":                "4141eba8d0aa75661744cb0a1f133cd7e85268da2b2b8cc3f3bf7af5f3629167",
	"loader.go":                   "e5c2fb9641a9170e1110f12ba4c05d427ba5a947f5d83762862b937492d15071",
	"metaschemas/draft-04/schema": "5e4a46b433800681b8da4911df61cd72212d5bce2839e1c772e2b99a89fbbf09",
	"metaschemas/draft-06/schema": "bf7460259b94e8291eaeec1b077f98caff3d16df17ee2a99208f74f1412c4932",
	"metaschemas/draft-07/schema": "943da3dc9a29dbfbd325aec2ca01cfd6304a1cd53fde2c9775bcca6523f6410e",
	"metaschemas/draft/2019-09/meta/applicator":        "c18c9d8880297184560f6d82a2fc035211630474d1b2547feaccf221b9786211",
	"metaschemas/draft/2019-09/meta/content":           "03d8e25955252927e34016e03f51297475ace9de4551839d1b54c9f5736ff6d6",
	"metaschemas/draft/2019-09/meta/core":              "a3dfd7891bc6ec4a0147289bc99de4cec2a84ff542b2edfac6de95f402907503",
	"metaschemas/draft/2019-09/meta/format":            "708bad3c6cee27e8c0d5cbf26e41eef6f1c56fec5f91b0eaa471ef2fc521d463",
	"metaschemas/draft/2019-09/meta/meta-data":         "a72a0fbc2272d9effcc71a159f9c92f0ef4417c0f1677f515767de77b5238a0a",
	"metaschemas/draft/2019-09/meta/validation":        "e1a3128accd99efc4cc198545479eae1548ce303a96810c1a0a28f022f0489a2",
	"metaschemas/draft/2019-09/schema":                 "9591bb2cf00ab32193870cb6a2ca4c32ae89e254af154f4e971c61a6ee82da03",
	"metaschemas/draft/2020-12/meta/applicator":        "3b4baccc121371207bcb2d3137b9b93a251b2029df85ecda0ca625ecd1ab9b30",
	"metaschemas/draft/2020-12/meta/content":           "3be161f2e963fbb8f09a756cc3b02adbe5375fe71020b959213e2b58e92f5886",
	"metaschemas/draft/2020-12/meta/core":              "ea945e11e766783c05ef2bda8958ef2b64746430b6b7475c1915babbd6c01264",
	"metaschemas/draft/2020-12/meta/format-annotation": "59cb0d1d59c430d5d691f4712dc2b4d09ba6dafcb90f7ce14b8f11b07340a6c6",
	"metaschemas/draft/2020-12/meta/format-assertion":  "4c45dfbf72b09ec8b0cd6c8086c259bd4b1d68b86138d886e8191fc0189270b8",
	"metaschemas/draft/2020-12/meta/meta-data":         "e070588fd8fac3a0b4bed1dbe1f576ccdb2e32ade3b46bd590150d0b15506859",
	"metaschemas/draft/2020-12/meta/unevaluated":       "cd2e94b6154c7ab9ee90f8bfa8d8addf9f6ae75a58fc090099605401303653cb",
	"metaschemas/draft/2020-12/meta/validation":        "000831f2fffd6927b25f9d601e6f0cc6bc8d51ed6c967d63c1449d1f76f8568a",
	"metaschemas/draft/2020-12/schema":                 "0080fa14a942b09f436c55257d1e379c5cb2551f732e678fa06e8009fb7c2582",
	"objcompiler.go":                                   "d68bace1a42c152a3686c82342c584aedcab9f0aa259e9c70701e7a0bf02e99f",
	"output.go":                                        "30e8122d7a3e60ac521c9d78f2bb41632643ad31d0a459c3ab22215d2c3992d4",
	"position.go":                                      "c1feda050097cb60562392eb3381cf7793c90800cc5495fdfda6193003b1d34f",
	"root.go":                                          "855a6f675eef7fa50308da6d346151a6403747b00a2e1a9011e99bf1f2df78bd",
	"roots.go":                                         "6e84cb61bbb143e334c5c587295064bac0eeadecec73c4e5685aaa67d461bdc2",
	"schema.go":                                        "cce55c5e4bdcef1b702537f30cf6d2356a08328b215a103aac9e61ba59ea3318",
	"util.go":                                          "cd6768313dbb08506f1438bef2db307eddaaab178b06e46d6973265101ca44c5",
	"validator.go":                                     "6474becfb427adc759f9ee616f709eae4342385a06030fee1107b38c6711cfb8",
	"vocab.go":                                         "1cc9406daefa2bf8d95f07640f9591b17bb18578395bc5a09a48b9402f74428a",
}

// upstreamDraft is the digest of v6.0.3's draft.go, the one file the copy
// changes.
const upstreamDraft = "bb436dc7f6070066e621cb1bb4b0da0a7e1fdf09e8563443885713cda2cf7dd2"

// lazyDrafts is the change, as pairs of upstream text and the copy's
// (PATCH.md shows it as a diff).
var lazyDrafts = [][2]string{
	{"\t\"strings\"\n)", "\t\"strings\"\n\t\"sync\"\n)"},
	{"func init() {\n", `// compileDrafts compiles the drafts' metaschemas and vocabularies, once,
// when a schema is first checked against its metaschema: a program that
// links this package but compiles no schema does not pay for them.
// (Upstream compiles them in init; this is the patch, see PATCH.md.)
func compileDrafts() { draftsOnce.Do(loadDrafts) }

var draftsOnce sync.Once

func loadDrafts() {
`},
	{"*Vocabulary) *Schema {\n", "*Vocabulary) *Schema {\n\tcompileDrafts()\n"},
}

func digest(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// The copy is v6.0.3 file for file, and its draft.go is v6.0.3's with the
// change of PATCH.md and nothing else.
func TestJSONSchemaIsUpstreamWithThePatch(t *testing.T) {
	t.Parallel()
	dir := "jsonschema"
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := filepath.ToSlash(strings.TrimPrefix(path, dir+string(filepath.Separator)))
		seen[name] = true
		raw, err := os.ReadFile(path) //nolint:gosec // The copy's own files.
		if err != nil {
			return err
		}
		switch name {
		case "PATCH.md":
		case "draft.go":
			upstream := string(raw)
			for _, change := range lazyDrafts {
				require.Equal(t, 1, strings.Count(upstream, change[1]), "draft.go carries the change once: %q", change[1])
				upstream = strings.Replace(upstream, change[1], change[0], 1)
			}
			assert.Equal(t, upstreamDraft, digest([]byte(upstream)), "draft.go is v6.0.3's with the change of PATCH.md, and nothing else")
		default:
			want, ok := jsonschemaFiles[name]
			if assert.True(t, ok, "%s is no file of v6.0.3 that the copy keeps", name) {
				assert.Equal(t, want, digest(raw), "%s is v6.0.3's", name)
			}
		}
		return nil
	})
	require.NoError(t, err)
	for name := range jsonschemaFiles {
		assert.True(t, seen[name], "%s of v6.0.3 is missing", name)
	}
	assert.True(t, seen["PATCH.md"] && seen["draft.go"])
}

// Linking the package compiles no draft; the first schema compiled
// compiles them, and is checked against its metaschema as upstream checks
// it. (Not parallel, and first: no other test of this binary may have
// compiled a schema yet.)
func TestJSONSchemaDraftsCompileOnFirstUse(t *testing.T) {
	compiled := func() bool {
		return !reflect.ValueOf(jsonschema.Draft2020).Elem().FieldByName("sch").IsNil()
	}
	require.False(t, compiled(), "the drafts were compiled at start-up")

	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("bad.json", map[string]any{"type": 5.0}))
	_, err := c.Compile("bad.json")
	var invalid *jsonschema.SchemaValidationError
	require.ErrorAs(t, err, &invalid, "a schema its metaschema refuses")
	assert.True(t, compiled())

	c = jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("good.json", map[string]any{"type": "string", "maxLength": 3.0}))
	s, err := c.Compile("good.json")
	require.NoError(t, err)
	require.NoError(t, s.Validate("abc"))
	var failed *jsonschema.ValidationError
	require.ErrorAs(t, s.Validate("abcd"), &failed)
}

// The module builds with the copy: go.mod's replace is in effect.
func TestJSONSchemaIsTheCopy(t *testing.T) {
	t.Parallel()
	info, ok := debug.ReadBuildInfo()
	require.True(t, ok)
	for _, dep := range info.Deps {
		if dep.Path != "github.com/santhosh-tekuri/jsonschema/v6" {
			continue
		}
		require.NotNil(t, dep.Replace, "go.mod replaces the module")
		assert.Equal(t, "./third_party/jsonschema", dep.Replace.Path)
		assert.Equal(t, "v6.0.3", dep.Version, "the replace names the version the copy is of")
		return
	}
	t.Fatal("the module is not linked")
}
