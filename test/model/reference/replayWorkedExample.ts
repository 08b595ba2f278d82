// The replay worked example (current layout) with the answers QEMU itself gives: input, output.
export const WORKED_EXAMPLE = [
  ['{"call":"vhost_iova_tree_new","iova_first":"0x0","iova_last":"0xffffffffffffffff"}', '{}'],
  ['{"call":"vhost_iova_tree_map_alloc_gpa","map":{"size":"0x7fffffff","perm":3},"taddr":"0x0"}', '{"ret":0,"iova":"0x1000"}'],
  ['{"call":"vhost_iova_tree_map_alloc_gpa","map":{"size":"0x1f7fffffff","perm":3},"taddr":"0x100000000"}', '{"ret":0,"iova":"0x80001000"}'],
  ['{"call":"vhost_iova_tree_map_alloc_gpa","map":{"size":"0x1ffff","perm":3},"taddr":"0xfeda0000"}', '{"ret":0,"iova":"0x2000001000"}'],
  ['{"call":"vhost_iova_tree_find_gpa","map":{"translated_addr":"0xfeda0000","size":"0xfff"}}', '{"map":{"iova":"0x2000001000","translated_addr":"0xfeda0000","size":"0x1ffff","perm":3}}'],
] as const;
