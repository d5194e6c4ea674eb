#!/usr/bin/python3
"""Prints, as JSON, what python3-pefile reads from each PE image named on the
command line: every DOS, COFF and optional header field, the data
directories, every section header, the base relocation blocks, and pefile's
generate_checksum(). bootproto's test:tools compares its own decode with it."""
import json
import sys

import pefile


def fields(structure):
    out = {}
    for keys in structure.__keys__:
        for key in keys:
            value = getattr(structure, key)
            out[key] = value.hex() if isinstance(value, bytes) else value
    return out


result = {}
for path in sys.argv[1:]:
    pe = pefile.PE(path, fast_load=True)
    pe.parse_data_directories(directories=[pefile.DIRECTORY_ENTRY['IMAGE_DIRECTORY_ENTRY_BASERELOC']])
    relocs = []
    for block in getattr(pe, 'DIRECTORY_ENTRY_BASERELOC', []):
        relocs.append([block.struct.VirtualAddress, block.struct.SizeOfBlock, [[e.type, e.rva] for e in block.entries]])
    result[path] = {
        'dos': fields(pe.DOS_HEADER),
        'file': fields(pe.FILE_HEADER),
        'optional': fields(pe.OPTIONAL_HEADER),
        'directories': [[d.VirtualAddress, d.Size] for d in pe.OPTIONAL_HEADER.DATA_DIRECTORY],
        'sections': [dict(fields(s), Name=s.Name.rstrip(b'\0').decode('latin1')) for s in pe.sections],
        'relocations': relocs,
        'generateChecksum': pe.generate_checksum(),
    }
json.dump(result, sys.stdout)
