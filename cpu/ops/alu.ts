// Integer ALU family (registered on import).
export {};
