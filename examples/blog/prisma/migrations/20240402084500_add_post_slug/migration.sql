/*
  Warnings:

  - A unique constraint covering the columns `[slug]` on the table `Post` will be added. If there are existing duplicate values, this will fail.
  - Added the required column `slug` to the `Post` table without a default value. This is not possible if the table is not empty.

*/
-- Edited by hand: add the column as nullable, fill it from the title, then require it.

-- AlterTable
ALTER TABLE "Post" ADD COLUMN     "slug" TEXT;

-- Backfill existing posts: "Hello, World!" with id 7 becomes "hello-world-7".
UPDATE "Post" SET "slug" = trim(BOTH '-' FROM lower(regexp_replace("title", '[^a-zA-Z0-9]+', '-', 'g'))) || '-' || "id";

ALTER TABLE "Post" ALTER COLUMN "slug" SET NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "Post_slug_key" ON "Post"("slug");
