-- Search of tags and of people (issue 18: search.tags, search.users).
--
-- search.tags is a prefix match on post_tags.tag. post_tags_tag_idx (0020) cannot serve LIKE
-- 'pre%' under a C.UTF-8 (non-"C") collation; text_pattern_ops compares bytes and can.
CREATE INDEX post_tags_tag_prefix_idx ON post_tags (tag text_pattern_ops);

-- search.users matches any word of a display name by prefix ("chen" finds "Maya Chen", "jose" finds
-- "José"), through the same folding as posts (simple_unaccent, 0062).
-- user_profiles_display_name_prefix_idx (0011) only serves the start of the whole name.
CREATE INDEX user_profiles_display_name_words_idx ON user_profiles
  USING gin (to_tsvector('public.simple_unaccent'::regconfig, coalesce(display_name, '')));
