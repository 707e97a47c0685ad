/* An empty ICU data library, as ICU's own source/stubdata/stubdata.cpp builds it: the common
 * data entry point (ICU_DATA_ENTRY, e.g. icudt73_dat) holds a table of contents with no
 * entries. Qt's libicuuc links libicudata (31 MB of collation, conversion and locale tables)
 * that gdviz never reads: with this one ICU's services that need data report
 * U_MISSING_RESOURCE_ERROR, and Qt falls back to its own Unicode tables (case mapping,
 * comparison) or to UTF-8/UTF-16/Latin-1, which are built into Qt.
 * Built by gdviz.spec: cc -shared -DICU_DATA_ENTRY=icudt73_dat -Wl,-soname,libicudata.so.73 */
#include <stdint.h>

typedef struct {
    uint16_t size;
    uint16_t reserved;
    uint8_t isBigEndian, charsetFamily, sizeofUChar, reservedByte;
    uint8_t dataFormat[4];
    uint8_t formatVersion[4];
    uint8_t dataVersion[4];
} UDataInfo;

typedef struct {
    uint16_t headerSize;
    uint8_t magic1, magic2;
    UDataInfo info;
    char padding[8];
    uint32_t count, reserved;
    uint32_t toc[4];   /* name and data offsets: count says there are none */
} ICU_Data_Header;

__attribute__((visibility("default")))
const ICU_Data_Header ICU_DATA_ENTRY = {
    32, 0xda, 0x27,
    {sizeof(UDataInfo), 0,
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
     1,
#else
     0,
#endif
     0 /* ASCII family */, 2 /* sizeof(UChar) */, 0,
     {0x54, 0x6f, 0x43, 0x50} /* "ToCP" */, {1, 0, 0, 0}, {0, 0, 0, 0}},
    {0, 0, 0, 0, 0, 0, 0, 0},
    0, 0,
    {0, 0, 0, 0},
};
