// x87 family (registered on import).
export {};
