-- Edited by hand: Prisma generated DROP COLUMN "content" + ADD COLUMN "body",
-- which would have thrown away every post's text. Renaming keeps the data.

-- AlterTable
ALTER TABLE "Post" RENAME COLUMN "content" TO "body";
