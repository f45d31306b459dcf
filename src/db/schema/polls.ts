// Drizzle mirror of the issue 19 tables (filled with their migrations).
export {};
