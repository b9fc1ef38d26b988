-- policybook: images with their alternative text, admonitions as framed blocks, and numbered lists
-- alternative text (pandoc's Typst writer leaves it out). Paths were made safe before pandoc ran.
local function typst_string(text)
  return '"' .. text:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

function Image(image)
  local alt = pandoc.utils.stringify(image.caption)
  return pandoc.RawInline('typst',
    '#box(image(' .. typst_string(image.src) .. ', alt: ' .. typst_string(alt) .. ', width: 80%))')
end

-- Admonitions (`!!! note "Title"` in the policy: a div whose first paragraph is the title) become a
-- framed Typst block with the title in bold. The title is passed as a Typst string, never as markup.
function Div(div)
  if not div.classes:includes('admonition') then
    return nil
  end
  local title = 'Note'
  local content = div.content
  if #content > 0 and (content[1].t == 'Para' or content[1].t == 'Plain') then
    title = pandoc.utils.stringify(content[1])
    content = {table.unpack(content, 2)}
  end
  local blocks = {pandoc.RawBlock('typst',
    '#block(width: 100%, stroke: 1pt + black, inset: 8pt, breakable: true)[#strong(' ..
    typst_string(title) .. ')\n')}
  for _, block in ipairs(content) do
    table.insert(blocks, block)
  end
  table.insert(blocks, pandoc.RawBlock('typst', ']'))
  return blocks
end

-- Every numbered list states its own numbering. Pandoc writes a list that starts at 2 as
-- `#set enum(start: 2)` around it, and a Typst set rule also reaches the lists nested inside, so a
-- nested list would otherwise go on from 2 in the PDF while the site starts it at 1.
-- (The writer leaves out the set rule only for the style it treats as plain, so each list is given
-- an explicit decimal style and keeps its default delimiter.)
function OrderedList(list)
  list.style = 'Decimal'
  list.delimiter = 'DefaultDelim'
  return list
end
